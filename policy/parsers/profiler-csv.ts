/**
 * Reading the CSV that profilers print (ncu, nsys stats): RFC 4180 records, numbers with thousands
 * separators, and units converted to ns, bytes and percent. Pure: no I/O.
 */

export class ProfileParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileParseError';
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

/**
 * RFC 4180 records: quoted fields (with "" for a quote, commas and line breaks inside), LF or CRLF
 * line ends. Empty lines are skipped. An unterminated quote throws ProfileParseError.
 */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let i = 0;
  const endRecord = () => {
    if (fieldStarted || record.length > 0) {
      record.push(field);
      records.push(record);
    }
    record = [];
    field = '';
    fieldStarted = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"') {
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      endRecord();
      if (c === '\r' && text[i + 1] === '\n') i += 1;
    } else {
      field += c;
      fieldStarted = true;
    }
    i += 1;
  }
  if (quoted) throw new ProfileParseError('CSV ends inside a quoted field (the report is truncated)');
  endRecord();
  return records;
}

// ---------------------------------------------------------------------------------------------
// Numbers and units

/** "1,840,128" / "0.52" / "1.5e3" -> number; "" / "n/a" / anything else -> null. */
export function parseNcuNumber(raw: string): number | null {
  const s = raw.trim();
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) return Number(s.replace(/,/g, ''));
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  return null;
}

export type UnitKind = 'time' | 'bytes' | 'percent';

const TIME_NS: Record<string, number> = {
  ns: 1, nsecond: 1, nseconds: 1, nanosecond: 1, nanoseconds: 1,
  us: 1e3, usecond: 1e3, useconds: 1e3, 'µs': 1e3, 'μs': 1e3, microsecond: 1e3, microseconds: 1e3,
  ms: 1e6, msecond: 1e6, mseconds: 1e6, millisecond: 1e6, milliseconds: 1e6,
  s: 1e9, sec: 1e9, second: 1e9, seconds: 1e9,
};

/** ncu's byte prefixes are decimal (45.75 Mbyte = 45,748,224 byte in the same report); the *i* forms are binary. */
const BYTES: Record<string, number> = {
  b: 1, byte: 1, bytes: 1,
  kb: 1e3, kbyte: 1e3, kbytes: 1e3,
  mb: 1e6, mbyte: 1e6, mbytes: 1e6,
  gb: 1e9, gbyte: 1e9, gbytes: 1e9,
  tb: 1e12, tbyte: 1e12, tbytes: 1e12,
  kib: 1024, kibyte: 1024,
  mib: 1024 ** 2, mibyte: 1024 ** 2,
  gib: 1024 ** 3, gibyte: 1024 ** 3,
  tib: 1024 ** 4, tibyte: 1024 ** 4,
};

const PERCENT = new Set(['%', 'pct', 'percent']);

/** The factor that turns a value in `unit` into ns, bytes or percent; null when the unit is not of that kind. */
export function unitFactor(unit: string, kind: UnitKind): number | null {
  const u = unit.trim();
  if (kind === 'percent') return PERCENT.has(u.toLowerCase()) ? 1 : null;
  const table = kind === 'time' ? TIME_NS : BYTES;
  const factor = table[u.toLowerCase()];
  return factor === undefined ? null : factor;
}
