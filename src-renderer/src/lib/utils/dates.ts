/** `YYYY-MM-DD` from a date input, read as local midnight. */
function localDate(value: string, dayOffset: number): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + dayOffset).getTime();
}

export function startOfDay(value: string): number | undefined {
  return localDate(value, 0);
}

/** The last millisecond of the day, so a "to" date includes the whole day. */
export function endOfDay(value: string): number | undefined {
  const nextMidnight = localDate(value, 1);
  return nextMidnight === undefined ? undefined : nextMidnight - 1;
}
