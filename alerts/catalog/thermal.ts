// thermal — "runs stably" vs "overheating" (过热). Noise and vibration are not sensed (see inspection).
// The limit belongs to the sensor: hardware declares its own critical temperature, which the agent
// exports beside the value; the catalog's limit is only the fallback for sensors that declare none.
// A device without sensors (a VM) has no temperature series at all, so these rules stay quiet there.
import { m } from '../../protocol/metrics.js';
import { celsius, count, duration } from './threshold.js';
import { defineIndicator } from './types.js';

export const thermal = defineIndicator({
  id: 'thermal',
  title: { en: 'Temperature and cooling', zh: '温度与散热' },
  thresholds: {
    temperatureCriticalCelsius: celsius(95, 'Critical temperature for sensors whose hardware declares no limit of its own'),
    temperatureWarningMarginCelsius: celsius(10, 'Early warning this many degrees below the critical limit'),
    temperatureWarningFor: duration('10m', 'How long a sensor must stay in the warning band'),
    // Hardware shuts itself down soon after its critical limit: only ride out a single spike.
    temperatureCriticalFor: duration('2m', 'How long a sensor must stay at or above its critical limit'),
    throttleWindow: duration('10m', 'Window in which throttle events are counted'),
    throttleEvents: count(1, 'Throttle events per window that count as throttling'),
    // One hot moment under a heavy job is normal; throttling window after window means poor cooling.
    throttlingFor: duration('30m', 'How long the CPU must keep being throttled'),
  },
  alerts: [
    {
      name: 'StationwatchTemperatureHigh',
      severity: 'warning',
      condition: {
        kind: 'perSeriesLimit',
        metric: m.temperature.name,
        limitMetric: m.temperatureCritical.name,
        matchOn: ['sensor'],
        op: '>',
        fallbackThreshold: 'temperatureCriticalCelsius',
        marginThreshold: 'temperatureWarningMarginCelsius',
      },
      for: 'temperatureWarningFor',
      summary: {
        en: '{{ $labels.device }} is running hot: {{ $labels.sensor }} at {{ $value | printf "%.0f" }} °C',
        zh: '{{ $labels.device }} 温度偏高：{{ $labels.sensor }} 为 {{ $value | printf "%.0f" }} °C',
      },
      description: {
        en: 'Sensor {{ $labels.sensor }} on {{ $labels.device }} at site {{ $labels.site }} has been within %{temperatureWarningMarginCelsius} of its critical limit for %{temperatureWarningFor} (the limit the hardware declares, or %{temperatureCriticalCelsius} when it declares none).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 传感器 {{ $labels.sensor }} 距临界温度已不足 %{temperatureWarningMarginCelsius}，持续 %{temperatureWarningFor}（临界温度取硬件自身声明的值，未声明时为 %{temperatureCriticalCelsius}）。',
      },
    },
    {
      name: 'StationwatchTemperatureCritical',
      severity: 'critical',
      condition: {
        kind: 'perSeriesLimit',
        metric: m.temperature.name,
        limitMetric: m.temperatureCritical.name,
        matchOn: ['sensor'],
        op: '>=',
        fallbackThreshold: 'temperatureCriticalCelsius',
      },
      for: 'temperatureCriticalFor',
      summary: {
        en: '{{ $labels.device }} is overheating: {{ $labels.sensor }} at {{ $value | printf "%.0f" }} °C',
        zh: '{{ $labels.device }} 过热：{{ $labels.sensor }} 为 {{ $value | printf "%.0f" }} °C',
      },
      description: {
        en: 'Sensor {{ $labels.sensor }} on {{ $labels.device }} at site {{ $labels.site }} has reached its critical limit (the limit the hardware declares, or %{temperatureCriticalCelsius}). The device may shut down or be damaged.',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 传感器 {{ $labels.sensor }} 已达到临界温度（硬件自身声明的值，未声明时为 %{temperatureCriticalCelsius}），设备可能关机或损坏。',
      },
    },
    {
      name: 'StationwatchCpuThrottling',
      severity: 'warning',
      condition: { kind: 'increase', metric: m.throttleEvents.name, window: 'throttleWindow', op: '>=', threshold: 'throttleEvents' },
      for: 'throttlingFor',
      summary: {
        en: 'The CPU of {{ $labels.device }} keeps slowing down because it is too hot',
        zh: '{{ $labels.device }} 的 CPU 因过热持续降频',
      },
      description: {
        en: 'The CPU on {{ $labels.device }} at site {{ $labels.site }} has been throttled in every %{throttleWindow} for %{throttlingFor}: cooling is not keeping up (dust, a failed fan, a blocked vent).',
        zh: '站点 {{ $labels.site }} 的设备 {{ $labels.device }} 的 CPU 在 %{throttlingFor} 内每 %{throttleWindow} 都发生降频：散热不足（灰尘、风扇故障或通风口被挡）。',
      },
    },
  ],
});
