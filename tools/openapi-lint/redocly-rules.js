// @ts-check
'use strict';

/**
 * Redocly's `operation-4xx-response`, with `exceptions`: paths whose
 * operations cannot answer any 4XX, so have none to document.
 * @param {{ exceptions?: string[] }} options
 */
function Operation4xxResponse({ exceptions = [] }) {
  /** @type {string | undefined} */
  let path;
  return {
    PathItem: {
      /** @param {unknown} _item @param {{ key: string | number }} context */
      enter(_item, { key }) {
        path = String(key);
      },
      /**
       * @param {{ responses?: Record<string, unknown> }} operation
       * @param {{ report: (problem: object) => void, location: any }} context
       */
      Operation(operation, { report, location }) {
        if (path !== undefined && exceptions.includes(path)) return;
        const codes = Object.keys(operation.responses ?? {});
        if (codes.some((code) => /^4(XX|\d\d)$/i.test(code))) return;
        report({
          message: 'Operation must have at least one `4XX` response.',
          location: location.child(['responses']).key(),
        });
      },
    },
  };
}

module.exports = function lapseRules() {
  return { id: 'lapse', rules: { oas3: { 'operation-4xx-response': Operation4xxResponse } } };
};
