/* negsim's numbers as a person reads them, shared by the report's and the room's pages (both
 * inline this file before their own script): window.negsimFormat.decimal and .percent.
 */
(function () {
  'use strict';
  // The twin of negsim::format_decimal (sim/format.cpp), step for step: 15 significant digits,
  // then that decimal rounded half away from zero, so 0.475 reads 0.48 here as in the terminal
  // (toFixed would round the binary 0.47499999999999998 down).
  function formatDecimal(value, places) {
    if (value === null || value === undefined || value === '') return '';
    const number = Number(value);
    if (Number.isNaN(number)) return 'nan';
    if (!Number.isFinite(number)) return number < 0 ? '-inf' : 'inf';
    const negative = number < 0 || Object.is(number, -0);
    const text = Math.abs(number).toExponential(14);
    const digits = text[0] + text.slice(2, 16);
    const exponent = parseInt(text.slice(text.indexOf('e') + 1), 10);
    const keep = exponent + 1 + places;
    let kept = '';
    if (keep >= digits.length) {
      kept = digits + '0'.repeat(keep - digits.length);
    } else if (keep >= 0) {
      const chars = digits.slice(0, keep).split('');
      if (digits[keep] >= '5') {
        let at = keep - 1;
        while (at >= 0 && chars[at] === '9') chars[at--] = '0';
        if (at >= 0) chars[at] = String(Number(chars[at]) + 1); else chars.unshift('1');
      }
      kept = chars.join('');
    }
    if (kept.length < places + 1) kept = '0'.repeat(places + 1 - kept.length) + kept;
    const whole = kept.slice(0, kept.length - places).replace(/^0+/, '') || '0';
    const fraction = kept.slice(kept.length - places);
    const zero = whole === '0' && !/[1-9]/.test(fraction);
    return (negative && !zero ? '-' : '') + whole + (places > 0 ? '.' + fraction : '');
  }
  function formatPercent(share, places) {
    return share === null || share === undefined ? '' : formatDecimal(100 * Number(share), places || 0) + '%';
  }
  // The twin of negsim::places_apart: the decimals (from places, up to 6) at which two numbers
  // read differently, so a utility just under a threshold never reads as the threshold.
  function placesApart(value, reference, places) {
    const from = places === undefined ? 2 : places;
    if (value === reference) return from;
    for (let shown = from; shown < 6; ++shown) {
      if (formatDecimal(value, shown) !== formatDecimal(reference, shown)) return shown;
    }
    return Math.max(from, 6);
  }
  window.negsimFormat = {decimal: formatDecimal, percent: formatPercent, placesApart: placesApart};
})();
