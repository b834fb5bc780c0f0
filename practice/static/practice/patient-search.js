// A patient picker on a GET form (PatientSearchField(number_only=True)) sends the patient
// number alone: a chosen option reads "Name (b. date) · #42", and a name must never reach
// a URL. Without this script the input's pattern admits nothing but a number; with it the
// input also admits a chosen label, and the form submits only the label's number.
(function () {
  "use strict";
  var NUMBER = /(?:^|#)\s*(\d{1,12})\s*$/;
  var LABEL_OR_NUMBER = ".*#\\s*\\d{1,12}\\s*|\\s*#?\\s*\\d{1,12}\\s*";

  document.querySelectorAll("input[data-patient-number-only]").forEach(function (input) {
    input.setAttribute("pattern", LABEL_OR_NUMBER);
    var form = input.form;
    if (!form || form.hasAttribute("data-patient-number-form")) return;
    form.setAttribute("data-patient-number-form", "");
    form.addEventListener("formdata", function (event) {
      form.querySelectorAll("input[data-patient-number-only]").forEach(function (field) {
        var match = NUMBER.exec(field.value.trim());
        if (field.name) event.formData.set(field.name, match ? match[1] : "");
      });
    });
  });
})();
