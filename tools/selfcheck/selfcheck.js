// The self-check forms (tools/sphinx_selfcheck.py writes this into each page that has one):
// checks an answer in the page, shows the feedback and the explanation. No kernel, no network.
(function () {
  if (window.rmSelfCheck) return;
  window.rmSelfCheck = true;
  function parse(text) {
    var t = String(text).trim().replace(/\u2212/g, '-').replace(/\s+/g, '');
    if (/^[-+]?\d+,\d+$/.test(t)) t = t.replace(',', '.');
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return NaN;
    return Number(t);
  }
  function check(form) {
    var feedback = form.querySelector('.rm-sc-feedback');
    var explanation = form.querySelector('.rm-sc-explanation');
    var kind = form.getAttribute('data-kind');
    var answer = Number(form.getAttribute('data-answer'));
    var right;
    if (kind === 'choice') {
      var chosen = form.querySelector('input[type=radio]:checked');
      if (!chosen) { feedback.className = 'rm-sc-feedback'; feedback.textContent = 'Choose an answer first.'; return; }
      right = Number(chosen.value) === answer;
    } else {
      var value = parse(form.querySelector('input.rm-sc-number').value);
      if (isNaN(value)) { feedback.className = 'rm-sc-feedback'; feedback.textContent = 'Type a number (e.g. 0.25).'; return; }
      var tolerance = Number(form.getAttribute('data-tolerance'));
      right = Math.abs(value - answer) <= tolerance + 1e-12 * Math.max(1, Math.abs(answer));
    }
    feedback.className = 'rm-sc-feedback ' + (right ? 'rm-sc-right' : 'rm-sc-wrong');
    feedback.textContent = right ? '\u2714 Right.' : '\u2718 Not quite: read the explanation below, then try again.';
    form.setAttribute('data-result', right ? 'right' : 'wrong');
    if (explanation.hidden) {
      explanation.hidden = false;
      if (window.MathJax && MathJax.typesetPromise) {
        var done = MathJax.startup && MathJax.startup.promise ? MathJax.startup.promise : Promise.resolve();
        done.then(function () {
          if (!explanation.querySelector('mjx-container') && explanation.querySelector('.math')) {
            return MathJax.typesetPromise([explanation]);
          }
        }).catch(function (e) { console.warn('MathJax', e); });
      }
    }
  }
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('.rm-selfcheck button.rm-sc-check');
    if (button) check(button.closest('fieldset.rm-sc-question'));
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && event.target.classList && event.target.classList.contains('rm-sc-number')) {
      event.preventDefault();
      check(event.target.closest('fieldset.rm-sc-question'));
    }
  });
})();
