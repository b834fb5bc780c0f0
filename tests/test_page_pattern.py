"""The one page pattern: a page that calls a service shows every refusal, a model's own
validation included, as a message or a form error; never a server error."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from backend.errors import DomainError, InvalidInput
from backend.views import ServiceFormView, run_service


def a_request(method="get", data=None):
    request = getattr(RequestFactory(), method)("/", data or {})
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def refuse_by_model(**kwargs):
    raise ValidationError({"capacity": ["Ensure this value is greater than or equal to 1."]})


def refuse_by_rule(**kwargs):
    raise DomainError("The slot is taken.")


def test_run_service_shows_a_models_validation_as_a_message_not_a_500():
    request = a_request()
    result, error = run_service(request, refuse_by_model)
    assert result is None
    assert isinstance(error, InvalidInput)
    assert error.extra["fields"] == {
        "capacity": ["Ensure this value is greater than or equal to 1."]
    }
    assert [str(m) for m in get_messages(request)] == [
        "capacity: Ensure this value is greater than or equal to 1."
    ]


def test_run_service_shows_a_rules_refusal_and_the_success_message_otherwise():
    request = a_request()
    assert run_service(request, refuse_by_rule)[1].message == "The slot is taken."
    assert run_service(request, lambda **kw: 42, success="Done.") == (42, None)
    assert [str(m) for m in get_messages(request)] == ["The slot is taken.", "Done."]


class CapacityForm(forms.Form):
    capacity = forms.IntegerField()


class CapacityView(ServiceFormView):
    form_class = CapacityForm
    template_name = "controlled/form.html"

    def call(self, form):
        refuse_by_model()


@pytest.mark.django_db
def test_a_service_form_puts_a_models_validation_on_the_field():
    view = CapacityView()
    request = a_request("post", {"capacity": "0"})
    view.setup(request)
    form = CapacityForm({"capacity": "0"})
    assert form.is_valid()
    view.form_valid(form)
    assert form.errors == {"capacity": ["Ensure this value is greater than or equal to 1."]}
