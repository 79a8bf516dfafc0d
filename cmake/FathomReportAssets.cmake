# The HTML report (src/report) is one self-contained file: its chart library, Chart.js 3.9 from
# Debian's libjs-chart.js, and the page's own template (src/report/template/: HTML, CSS and
# JavaScript kept as real files, so they stay editable and lintable) are compiled into the
# library as string constants by cmake/embed_report_assets.cmake. Nothing is read at run time and
# nothing is downloaded.
set(FATHOM_CHART_JS /usr/share/javascript/chart.js/chart.min.js
    CACHE FILEPATH "Chart.js 3.9 (chart.min.js) inlined into HTML reports")
if(NOT EXISTS "${FATHOM_CHART_JS}")
  message(FATAL_ERROR "Chart.js not found at ${FATHOM_CHART_JS}: the HTML report inlines it. "
                      "Install Debian's libjs-chart.js (apt-get install libjs-chart.js), or pass "
                      "-DFATHOM_CHART_JS=/path/to/chart.min.js (Chart.js 3.9).")
endif()
set(FATHOM_REPORT_TEMPLATE_DIR ${PROJECT_SOURCE_DIR}/src/report/template)
set(FATHOM_REPORT_ASSETS_CPP ${PROJECT_BINARY_DIR}/generated/report_assets.cpp)
add_custom_command(
  OUTPUT ${FATHOM_REPORT_ASSETS_CPP}
  COMMAND ${CMAKE_COMMAND} -DOUT=${FATHOM_REPORT_ASSETS_CPP} -DCHART_JS=${FATHOM_CHART_JS}
          -DTEMPLATE_DIR=${FATHOM_REPORT_TEMPLATE_DIR} -P ${PROJECT_SOURCE_DIR}/cmake/embed_report_assets.cmake
  DEPENDS ${PROJECT_SOURCE_DIR}/cmake/embed_report_assets.cmake ${FATHOM_CHART_JS}
          ${FATHOM_REPORT_TEMPLATE_DIR}/report.html ${FATHOM_REPORT_TEMPLATE_DIR}/report.css
          ${FATHOM_REPORT_TEMPLATE_DIR}/figures.js ${FATHOM_REPORT_TEMPLATE_DIR}/report.js
  COMMENT "Embedding Chart.js and the report template"
  VERBATIM)
target_sources(fathom PRIVATE ${FATHOM_REPORT_ASSETS_CPP})
