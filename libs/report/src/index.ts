export {
  buildCharts,
  calibrationChart,
  perplexityHistogramChart,
  perplexityVsCorrectnessChart,
  selectionRateChart,
} from './charts';
export type { Chart } from './charts';
export { RULE_LABELS, ruleLabel, type ReportInput, type RuleLabel } from './data';
export { escapeHtml, jsonForScript } from './escape';
export { DEFAULT_FONT_DIR, findFonts, renderSvg, svgToPng, type FontSetup } from './png';
export {
  bestSystems,
  contentSecurityPolicy,
  renderReport,
  taskTableData,
  type TaskTableData,
} from './report';
export { writeReport, type WriteReportOptions, type WrittenReport } from './write-report';
