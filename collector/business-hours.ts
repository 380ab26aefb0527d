// Whether a site is inside its business hours right now, in its own time zone, with a holiday and
// make-up-workday (调休) calendar. Office workstations are switched off at night and on holidays, so
// "device not reporting" pages only while the site is open. The collector exposes the answer as
// stationwatch_site_open{site} (1 open / 0 closed) and the alert rule is gated on it.
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { parseConfigText, validateConfig } from '../common/config-file.js';

const Weekday = Type.Union(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)));
const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$', description: 'HH:MM' });

export const HoursSchema = Type.Object(
  {
    timezone: Type.String({ minLength: 1, default: 'UTC' }),
    days: Type.Array(Weekday, { default: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
    open: Type.String({ ...ClockTime, default: '00:00' }),
    close: Type.String({ ...ClockTime, default: '24:00' }),
  },
  { additionalProperties: false },
);
export type Hours = Static<typeof HoursSchema>;

/** The calendar file: public holidays closed, make-up workdays (调休) open even on a weekend. */
export const CalendarSchema = Type.Object(
  {
    holidays: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { default: [] }),
    workdays: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { default: [] }),
  },
  { additionalProperties: false },
);
export type Calendar = Static<typeof CalendarSchema>;

export async function loadCalendar(file: string): Promise<Calendar> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new Error(`cannot read the holiday calendar ${file}: ${(cause as Error).message}`);
  }
  return validateConfig(CalendarSchema, parseConfigText(text, file), file);
}

/** Throws a clear error for a time zone the runtime does not know (a typo would silently mean UTC). */
export function checkTimezone(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone "${tz}" (use an IANA name such as Asia/Shanghai)`;
  }
}


function localParts(at: Date, timeZone: string): { date: string; weekday: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, weekday: get('weekday').toLowerCase().slice(0, 3), minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

export function isOpen(hours: Hours, calendar: Calendar, at: Date): boolean {
  const { date, weekday, minutes } = localParts(at, hours.timezone);
  const workday = calendar.workdays.includes(date) || (hours.days.includes(weekday as Hours['days'][number]) && !calendar.holidays.includes(date));
  return workday && minutes >= toMinutes(hours.open) && minutes < toMinutes(hours.close);
}


export interface BusinessHoursConfig {
  default?: Hours;
  sites: Record<string, Hours>;
  calendarFile?: string;
}

/** Site → open now? Sites without hours of their own use the default; no configuration = always open. */
export function businessHoursOf(config: BusinessHoursConfig | undefined, calendar: Calendar): (site: string, at: Date) => boolean {
  if (!config) return () => true;
  return (site, at) => {
    const hours = config.sites[site] ?? config.default;
    return hours ? isOpen(hours, calendar, at) : true;
  };
}
