// Phones as apps and backends write them ("+62 812-3456-7890", "0812 3456 7890", "6281234567890")
// reduced to what add_by_phones compares: the national significant number (libphonenumber-js), and the
// country calling code where the spelling names one.
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

export interface PhoneParts {
  /** National significant number: no country code, no trunk prefix, digits only. */
  national: string;
  /** Country calling code, when the number was written internationally. */
  country: string | undefined;
}

export function phoneParts(value: string): PhoneParts | undefined {
  const trimmed = value.trim();
  if (!/^\+?[0-9][0-9 ().-]*$/.test(trimmed)) return undefined;
  let digits = trimmed.replace(/[^0-9]/g, '');
  let international = trimmed.startsWith('+');
  if (!international && digits.startsWith('00')) {
    digits = digits.slice(2);
    international = true;
  }
  // "6281234567890": international without its '+' only when that reads as a valid number.
  if (!international && !digits.startsWith('0')) international = parsePhoneNumberFromString(`+${digits}`)?.isValid() === true;
  let national = digits;
  let country: string | undefined;
  if (international) {
    const parsed = parsePhoneNumberFromString(`+${digits}`);
    if (parsed === undefined) return undefined;
    national = parsed.nationalNumber;
    country = parsed.countryCallingCode;
  }
  // A local spelling's trunk prefix ("0812…") is not part of the number.
  national = national.replace(/^0+/, '');
  return national.length >= 6 && national.length <= 15 ? { national, country } : undefined;
}

/** What a stored phone is found by (users.phone_key), or undefined for something that is no phone. */
export function phoneKey(value: string): string | undefined {
  return phoneParts(value)?.national;
}

/**
 * Whether two phones are the same number: the same national number, and the same country where both
 * spellings name one (a local spelling names none, and matches that number in any country).
 */
export function samePhone(a: string, b: string): boolean {
  const x = phoneParts(a);
  const y = phoneParts(b);
  return x !== undefined && y !== undefined && sameParts(x, y);
}

export function sameParts(x: PhoneParts, y: PhoneParts): boolean {
  if (x.national !== y.national) return false;
  return x.country === undefined || y.country === undefined || x.country === y.country;
}
