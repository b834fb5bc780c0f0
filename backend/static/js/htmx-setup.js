// Settings for the vendored htmx (see backend/static/js/README.md), read before it starts:
// the page's Content-Security-Policy allows no inline style or script and no eval.
htmx.config.includeIndicatorStyles = false;
htmx.config.allowEval = false;
htmx.config.allowScriptTags = false;
