// The report page (report.hpp): the template of src/report/template/ with the styles, Chart.js,
// the page's script and the JSON block put in place. Everything the user controls (class,
// feature and file names) travels inside the JSON block, which the script reads as data and
// writes into the page as text only; the one exception, the title, is HTML-escaped.
#include <string_view>

#include "fathom/core/error.hpp"
#include "report_json.hpp"

namespace fathom {

namespace report_assets {  // generated at build time by cmake/embed_report_assets.cmake
extern const std::string_view chart_js, page_html, page_css, page_figures_js, page_js;
}

namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// JSON that can sit inside <script type="application/json">: '<' only ever occurs inside JSON
// strings, where \u003c means the same character, so no "</script>" or "<!--" in a name can end
// the element early. (JSON.parse reads it back unchanged.)
std::string script_safe_json(const report_detail::json& j) {
  // Invalid UTF-8 in a name (a Latin-1 CSV header) is replaced rather than refused.
  const std::string text = j.dump(-1, ' ', false, report_detail::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_report(const Sequential& model, const ReportData& data) {
  using namespace report_detail;
  const std::string title = data.title.empty() ? "fathom report" : data.title;
  const json blob = {{"title", title},
                     {"network", network_table(model)},
                     {"history", learning_curves(model)},
                     {"histograms", weight_histograms(model)},
                     {"weight_images", weight_images(model)},
                     {"diagram", network_diagram(model)},
                     {"data", data_sections(model, data)}};
  const std::string pieces[][2] = {{"TITLE", escape_html(title)},
                                   {"CSS", std::string(report_assets::page_css)},
                                   {"DATA", script_safe_json(blob)},
                                   {"CHART_JS", std::string(report_assets::chart_js)},
                                   {"FIGURES_JS", std::string(report_assets::page_figures_js)},
                                   {"JS", std::string(report_assets::page_js)}};
  // One pass over the template: a placeholder's text inside an inserted piece stays as it is.
  const std::string_view page = report_assets::page_html;
  constexpr std::string_view open = "@FATHOM_";
  std::string out;
  std::size_t at = 0;
  while (true) {
    const std::size_t start = page.find(open, at);
    if (start == std::string_view::npos) break;
    const std::size_t end = page.find('@', start + open.size());
    if (end == std::string_view::npos) break;
    const std::string_view name = page.substr(start + open.size(), end - start - open.size());
    const std::string* piece = nullptr;
    for (const auto& p : pieces)
      if (p[0] == name) piece = &p[1];
    if (piece == nullptr)
      throw Error("report template: unknown placeholder @FATHOM_" + std::string(name) + "@");
    out.append(page.substr(at, start - at));
    out += *piece;
    at = end + 1;
  }
  out.append(page.substr(at));
  return out;
}

void write_report(const Sequential& model, const ReportData& data, const std::string& path,
                  const WriteOptions& options) {
  write_file_atomic(path, render_report(model, data), options);
}

}  // namespace fathom
