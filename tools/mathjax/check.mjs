// Render TeX formulas with MathJax 3 and report every error.
//
// Input (stdin): a JSON array of {"id": string, "tex": string, "display": bool}.
// Output (stdout): a JSON object {"rendered": n, "errors": [{"id", "tex", "message"}]}.
// MathJax normally turns a TeX error into a red <merror> box on the page and
// says nothing; here the TeX input jax throws instead, so every error is caught.
// The packages are MathJax's full set except "noerrors" and "noundefined",
// which would hide errors and undefined macros.
import {mathjax} from 'mathjax-full/js/mathjax.js';
import {TeX} from 'mathjax-full/js/input/tex.js';
import {SVG} from 'mathjax-full/js/output/svg.js';
import {liteAdaptor} from 'mathjax-full/js/adaptors/liteAdaptor.js';
import {RegisterHTMLHandler} from 'mathjax-full/js/handlers/html.js';
import {AllPackages} from 'mathjax-full/js/input/tex/AllPackages.js';
import {readFileSync} from 'node:fs';

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const packages = AllPackages.filter((p) => p !== 'noerrors' && p !== 'noundefined');
const tex = new TeX({
  packages,
  formatError: (jax, err) => { throw err; },
});
const doc = mathjax.document('', {InputJax: tex, OutputJax: new SVG({fontCache: 'none'})});

const items = JSON.parse(readFileSync(0, 'utf8'));
const errors = [];
let rendered = 0;
for (const item of items) {
  try {
    const node = doc.convert(item.tex, {display: Boolean(item.display)});
    const html = adaptor.outerHTML(node);
    if (html.includes('merror') || html.includes('data-mjx-error')) {
      errors.push({id: item.id, tex: item.tex, message: 'MathJax produced an error node'});
    } else {
      rendered += 1;
    }
  } catch (err) {
    errors.push({id: item.id, tex: item.tex, message: String(err.message || err)});
  }
}
process.stdout.write(JSON.stringify({rendered, errors}));
