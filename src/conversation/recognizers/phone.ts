import { findPhoneNumbersInText } from 'libphonenumber-js/max';
import { phoneNumber } from '../../tickets/model.js';

/**
 * A phone number as people type it, in E.164: the whole answer ("139 1234 5678",
 * "0086 138 0013 8000", "+852 9123 4567"), or the one number inside a sentence ("my
 * number is 139-1234-5678", "手机：139 1234 5678", "13912345678，王工", "(+86) 139-1234-5678").
 * libphonenumber's full metadata decides what is valid; without a country code a number
 * is read as Chinese (the tickets' rule). Two different numbers are no answer: the
 * technician needs the one to call.
 */
export function readPhone(text: string): string | undefined {
  const whole = phoneNumber.safeParse(text);
  if (whole.success) return whole.data;
  const found = [
    ...new Set(
      findPhoneNumbersInText(text.slice(0, 300), 'CN')
        .filter((f) => f.number.isValid())
        .map((f) => f.number.number),
    ),
  ];
  return found.length === 1 ? found[0] : undefined;
}
