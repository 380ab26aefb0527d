// peripherals — "printers, scanners respond quickly" vs "respond slowly or don't work" (响应慢或无法工作).
// Printer series come from two places with the same names and labels: the agent's printers probe
// (CUPS, the Windows spooler) and the collector's SNMP poller (network printers, each its own device),
// so every printer rule covers both. Expected USB devices and scanners are configured per device in
// the agent; a device with none configured has no such series and these rules stay quiet there.
import { m } from '../../protocol/metrics.js';
import { count, duration, ratio } from './threshold.js';
import { defineIndicator } from './types.js';

/** Faults that stop a printer from printing at all. */
const FAULTS = 'media-jam|media-empty|toner-empty|door-open|offline';

/**
 * What the printer or the operator said (cupsdisable -r "…"), looked up by Prometheus when it fills
 * in the annotation: the message series is an info series beside the state, so it is not in the
 * alert's own labels.
 */
const MESSAGE_QUERY = '{{ with printf "stationwatch_printer_state_message_info{device=%q,printer=%q}" $labels.device $labels.printer | query }}{{ range . }}';
const MESSAGE = {
  en: `${MESSAGE_QUERY} Message: "{{ .Labels.message }}".{{ end }}{{ end }}`,
  zh: `${MESSAGE_QUERY}消息：“{{ .Labels.message }}”。{{ end }}{{ end }}`,
};

export const peripherals = defineIndicator({
  id: 'peripherals',
  title: { en: 'Printers, scanners and USB devices', zh: '打印机、扫描仪与 USB 外设' },
  thresholds: {
    printServiceDownFor: duration('5m', 'How long the print service (CUPS, the Windows spooler) must stay unanswering'),
    // Someone may stop a queue for a minute to clear a job; five minutes is a printer out of service.
    printerStoppedFor: duration('5m', 'How long a print queue must stay stopped'),
    printerFaultFor: duration('5m', 'How long a jam, empty tray, empty toner, open door or offline printer must last'),
    printerWarningFor: duration('30m', 'How long a low-toner or other printer warning must last'),
    notAcceptingFor: duration('10m', 'How long a queue must keep rejecting jobs'),
    stuckJobAge: duration('10m', 'Age of the oldest unfinished job at which the queue counts as stuck'),
    slowQuerySeconds: duration('5s', 'Status-query time above which the print service counts as slow'),
    slowQueryFor: duration('30m', 'How long status queries must stay slow'),
    supplyLowRatio: ratio(0.1, 'Supply level (toner, ink) below which it counts as low'),
    supplyLowFor: duration('30m', 'How long a supply must stay low'),
    scannersExpectedDefault: count(0, 'Scanners every device must have where the agent configures no number of its own (0: none)'),
    scannerMissingFor: duration('15m', 'How long fewer scanners than expected must be found'),
    usbMissingFor: duration('5m', 'How long an expected USB device must stay missing'),
    usbChurnWindow: duration('1h', 'Window in which USB removals are counted'),
    usbChurnRemovals: count(6, 'USB removals per window that point to a loose cable or failing device'),
    snmpDownFor: duration('5m', 'How long a polled network device must stay unanswering'),
  },
  alerts: [
    {
      name: 'StationwatchPrintServiceDown',
      severity: 'critical',
      condition: { kind: 'threshold', metric: m.printServiceUp.name, op: '==', threshold: 0 },
      for: 'printServiceDownFor',
      summary: { en: 'Printing does not work on {{ $labels.device }}: the print service is not answering', zh: '{{ $labels.device }} 无法打印：打印服务无响应' },
      description: {
        en: 'The print service (CUPS or the Windows Print Spooler) on {{ $labels.device }} at site {{ $labels.site }} has not answered for %{printServiceDownFor}. No printer on this device can print.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上的打印服务（CUPS 或 Windows 打印后台处理程序）已 %{printServiceDownFor} 无响应，该设备上的所有打印机都无法打印。',
      },
    },
    {
      name: 'StationwatchPrinterStopped',
      severity: 'critical',
      condition: { kind: 'threshold', metric: m.printerState.name, matchers: [{ label: 'state', op: '=', value: 'stopped' }], op: '==', threshold: 1 },
      for: 'printerStoppedFor',
      summary: { en: 'Printer {{ $labels.printer }} on {{ $labels.device }} is stopped', zh: '{{ $labels.device }} 的打印机 {{ $labels.printer }} 已停止' },
      description: {
        en: 'Printer {{ $labels.printer }} on {{ $labels.device }} at site {{ $labels.site }} has been stopped (paused or disabled) for %{printerStoppedFor}: jobs sent to it wait and nothing prints.' + MESSAGE.en,
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上的打印机 {{ $labels.printer }} 已停止（暂停或被禁用）%{printerStoppedFor}，发送的作业都在等待，无法打印。' + MESSAGE.zh,
      },
    },
    {
      name: 'StationwatchPrinterFault',
      severity: 'critical',
      condition: { kind: 'threshold', metric: m.printerError.name, matchers: [{ label: 'reason', op: '=~', value: FAULTS }], op: '==', threshold: 1 },
      for: 'printerFaultFor',
      summary: { en: 'Printer {{ $labels.printer }} on {{ $labels.device }} cannot print: {{ $labels.reason }}', zh: '{{ $labels.device }} 的打印机 {{ $labels.printer }} 无法打印：{{ $labels.reason }}' },
      description: {
        en: 'Printer {{ $labels.printer }} on {{ $labels.device }} at site {{ $labels.site }} has reported {{ $labels.reason }} for %{printerFaultFor} (media-jam: paper jam; media-empty: out of paper; toner-empty: out of toner or ink; door-open: a cover is open; offline: switched off or unreachable).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上的打印机 {{ $labels.printer }} 报告 {{ $labels.reason }} 已 %{printerFaultFor}（media-jam：卡纸；media-empty：缺纸；toner-empty：墨粉或墨水用尽；door-open：机盖未关；offline：关机或无法连接）。',
      },
    },
    {
      name: 'StationwatchPrinterWarning',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.printerError.name, matchers: [{ label: 'reason', op: '=~', value: 'toner-low|other' }], op: '==', threshold: 1 },
      for: 'printerWarningFor',
      summary: { en: 'Printer {{ $labels.printer }} on {{ $labels.device }} needs attention: {{ $labels.reason }}', zh: '{{ $labels.device }} 的打印机 {{ $labels.printer }} 需要处理：{{ $labels.reason }}' },
      description: {
        en: 'Printer {{ $labels.printer }} on {{ $labels.device }} at site {{ $labels.site }} has reported {{ $labels.reason }} for %{printerWarningFor} (toner-low: order toner or ink; other: see the printer\'s panel or its queue).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上的打印机 {{ $labels.printer }} 报告 {{ $labels.reason }} 已 %{printerWarningFor}（toner-low：请备好墨粉或墨水；other：请查看打印机面板或打印队列）。',
      },
    },
    {
      name: 'StationwatchPrinterQueueStuck',
      severity: 'warning',
      // The age itself is the duration: no `for`, the alert fires once the oldest job passes the limit.
      condition: { kind: 'threshold', metric: m.printerOldestJobAge.name, op: '>', threshold: 'stuckJobAge' },
      summary: { en: 'Printing is stuck on {{ $labels.printer }} ({{ $labels.device }}): a job has waited {{ $value | humanizeDuration }}', zh: '{{ $labels.device }} 的打印机 {{ $labels.printer }} 打印阻塞：作业已等待 {{ $value | humanizeDuration }}' },
      description: {
        en: 'The oldest job in the queue of {{ $labels.printer }} on {{ $labels.device }} at site {{ $labels.site }} has waited longer than %{stuckJobAge}: the printer responds slowly or not at all.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上打印机 {{ $labels.printer }} 队列中最早的作业已等待超过 %{stuckJobAge}，打印机响应慢或无响应。',
      },
    },
    {
      name: 'StationwatchPrinterNotAcceptingJobs',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.printerAcceptingJobs.name, op: '==', threshold: 0 },
      for: 'notAcceptingFor',
      summary: { en: 'Printer {{ $labels.printer }} on {{ $labels.device }} rejects new jobs', zh: '{{ $labels.device }} 的打印机 {{ $labels.printer }} 拒绝新的打印作业' },
      description: {
        en: 'The queue of {{ $labels.printer }} on {{ $labels.device }} at site {{ $labels.site }} has been rejecting jobs for %{notAcceptingFor}: whoever prints to it gets an error.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上打印机 {{ $labels.printer }} 的队列已拒绝作业 %{notAcceptingFor}，向其打印会报错。',
      },
    },
    {
      name: 'StationwatchPrinterSlow',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.printerQueryDuration.name, op: '>', threshold: 'slowQuerySeconds' },
      for: 'slowQueryFor',
      summary: { en: 'The print service on {{ $labels.device }} answers slowly for {{ $labels.printer }}', zh: '{{ $labels.device }} 的打印服务对 {{ $labels.printer }} 响应缓慢' },
      description: {
        en: 'Asking the print service about {{ $labels.printer }} on {{ $labels.device }} at site {{ $labels.site }} has taken longer than %{slowQuerySeconds} for %{slowQueryFor}.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 查询打印机 {{ $labels.printer }} 状态耗时超过 %{slowQuerySeconds}，已持续 %{slowQueryFor}。',
      },
    },
    {
      name: 'StationwatchPrinterSupplyLow',
      severity: 'warning',
      condition: { kind: 'threshold', metric: m.printerSupplyLevel.name, op: '<', threshold: 'supplyLowRatio' },
      for: 'supplyLowFor',
      summary: { en: '{{ $labels.supply }} of {{ $labels.printer }} ({{ $labels.device }}) is low: {{ $value | humanizePercentage }}', zh: '{{ $labels.device }} 的打印机 {{ $labels.printer }} 的 {{ $labels.supply }} 余量低：{{ $value | humanizePercentage }}' },
      description: {
        en: 'Supply {{ $labels.supply }} of printer {{ $labels.printer }} on {{ $labels.device }} at site {{ $labels.site }} has been below %{supplyLowRatio} for %{supplyLowFor}: have a replacement ready.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 上打印机 {{ $labels.printer }} 的耗材 {{ $labels.supply }} 已低于 %{supplyLowRatio} 达 %{supplyLowFor}，请备好替换耗材。',
      },
    },
    {
      name: 'StationwatchScannerMissing',
      severity: 'warning',
      condition: { kind: 'perSeriesLimit', metric: m.scannersDetected.name, limitMetric: m.scannersExpected.name, matchOn: [], op: '<', fallbackThreshold: 'scannersExpectedDefault' },
      for: 'scannerMissingFor',
      summary: { en: '{{ $labels.device }} finds fewer scanners than it should ({{ $value }} found)', zh: '{{ $labels.device }} 找到的扫描仪少于应有数量（找到 {{ $value }} 台）' },
      description: {
        en: 'For %{scannerMissingFor} the scanner stack on {{ $labels.device }} at site {{ $labels.site }} has found fewer scanners than the device is configured to have: a scanner is unplugged, switched off or not answering.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 在 %{scannerMissingFor} 内找到的扫描仪少于配置数量：扫描仪可能未连接、未开机或无响应。',
      },
    },
    {
      name: 'StationwatchUsbDeviceMissing',
      severity: 'critical',
      condition: { kind: 'threshold', metric: m.usbExpectedDevicePresent.name, op: '==', threshold: 0 },
      for: 'usbMissingFor',
      summary: { en: 'The {{ $labels.name }} of {{ $labels.device }} is not connected', zh: '{{ $labels.device }} 的 {{ $labels.name }} 未连接' },
      description: {
        en: 'The USB device "{{ $labels.name }}" that {{ $labels.device }} at site {{ $labels.site }} must have has been missing for %{usbMissingFor}: unplugged, a loose cable, or the device is broken.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 必备的 USB 设备“{{ $labels.name }}”已缺失 %{usbMissingFor}：可能被拔出、线缆松动或设备损坏。',
      },
    },
    {
      name: 'StationwatchUsbChurn',
      severity: 'warning',
      condition: { kind: 'increase', metric: m.usbRemovals.name, window: 'usbChurnWindow', op: '>=', threshold: 'usbChurnRemovals' },
      summary: { en: 'USB devices keep disconnecting on {{ $labels.device }} ({{ $value }} in %{usbChurnWindow})', zh: '{{ $labels.device }} 的 USB 设备频繁断开（%{usbChurnWindow} 内 {{ $value }} 次）' },
      description: {
        en: 'USB devices on {{ $labels.device }} at site {{ $labels.site }} were removed at least %{usbChurnRemovals} times in %{usbChurnWindow}: a loose cable, a worn port or a failing device.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的 USB 设备在 %{usbChurnWindow} 内断开至少 %{usbChurnRemovals} 次：线缆松动、接口磨损或设备故障。',
      },
    },
    {
      name: 'StationwatchSnmpDeviceDown',
      severity: 'critical',
      condition: { kind: 'threshold', metric: m.snmpUp.name, op: '==', threshold: 0 },
      for: 'snmpDownFor',
      summary: { en: 'Network device {{ $labels.device }} does not answer', zh: '网络设备 {{ $labels.device }} 无响应' },
      description: {
        en: 'The collector has not had an SNMP answer from {{ $labels.device }} at site {{ $labels.site }} for %{snmpDownFor}: the device is off, unplugged from the network, or its SNMP settings changed.',
        zh: '采集器已 %{snmpDownFor} 未收到站点 {{ $labels.site }} 的网络设备 {{ $labels.device }} 的 SNMP 响应：设备可能关机、断网或 SNMP 设置已更改。',
      },
    },
  ],
});
