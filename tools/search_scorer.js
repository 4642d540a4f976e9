/* pgtheory book: the search scorer (Sphinx's html_search_scorer, set by
 * tools/pgtheory_sphinx.py; Sphinx puts this file into _static/language_data.js).
 *
 * Chapters come before the API reference: every result on the API page loses
 * API_PENALTY points, more than any result can score, so API entries follow all other
 * pages and keep their order among themselves. The other weights are Sphinx 7.4's
 * defaults (a scorer replaces the whole object). Checked by
 * tests/browser/test_published_book.py (test_search_ranks_chapters_before_the_api).
 */
var Scorer = {
  // Docnames of the API reference (book/api.md).
  apiPages: ["book/api"],
  apiPenalty: 1000,
  // result: [docname, title, anchor, descr, score, filename]; returns the new score.
  score: (result) => {
    const [docname, , , , score] = result;
    return Scorer.apiPages.includes(docname) ? score - Scorer.apiPenalty : score;
  },

  // Sphinx's defaults.
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: {
    0: 15,
    1: 5,
    2: -5,
  },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
