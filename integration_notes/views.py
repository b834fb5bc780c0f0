"""Note pages: the list and search, writing a note (autosaved), signing, addenda, the PDF,
the patient's summary, and a therapist's own psychotherapy notes. Thin: services decide."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from backend.audit import audit_access
from backend.errors import DomainError, error_response
from backend.roles import CLINICIAN_ROLES, PATIENT, STAFF_ROLES, staff_for
from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin, run_service
from integration_notes import exports, selectors, services
from integration_notes.choices import NoteStatus
from integration_notes.errors import NoteNotSigned
from integration_notes.models import IntegrationSummary, Note, NoteTemplate, PsychotherapyNote
from practice.models import Patient, Session

FIELD_PREFIX = "f_"


def content_from_post(template: NoteTemplate, post) -> dict:
    """The template's fields present in a submitted form (named f_<key>)."""
    return {
        f["key"]: post.get(FIELD_PREFIX + f["key"])
        for f in template.fields
        if FIELD_PREFIX + f["key"] in post
    }


def _revision(post) -> int | None:
    try:
        return int(post.get("revision", ""))
    except ValueError:
        return None


class NoteListView(RoleRequiredMixin, ListView):
    """Notes of the patients the user may see, searchable (full text on PostgreSQL)."""

    allowed_roles = STAFF_ROLES
    template_name = "integration_notes/note_list.html"
    context_object_name = "notes"
    paginate_by = 25

    def get_queryset(self):
        status = self.request.GET.get("status") or None
        if status not in (None, *NoteStatus.values):
            status = None
        return selectors.note_rows(
            user=self.request.user, search=self.request.GET.get("q", ""), status=status
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["q"] = self.request.GET.get("q", "")
        context["status"] = self.request.GET.get("status", "")
        return context


class NoteObjectMixin(RoleRequiredMixin):
    allowed_roles = STAFF_ROLES

    def note_queryset(self):
        """The notes the user may see, read as this page needs them (with their addenda)."""
        return selectors.note_get_queryset(user=self.request.user)

    def get_note(self) -> Note:
        try:
            return self.note_queryset().get(pk=self.kwargs["pk"])
        except Note.DoesNotExist as exc:
            raise Http404 from exc


class NoteDetailView(NoteObjectMixin, View):
    """Read a note; its author edits the draft here (autosaved) and signs it."""

    def get(self, request, pk):
        note = self.get_note()
        audit_access(note)
        return render(request, "integration_notes/note_detail.html", self.context(note))

    def post(self, request, pk):
        """The form without scripts: save the draft and come back."""
        note = self.get_note()
        run_service(
            request,
            services.note_save_draft,
            note=note,
            author=staff_for(request.user),
            content=content_from_post(note.template, request.POST),
            revision=_revision(request.POST),
            success="Draft saved.",
        )
        return redirect("notes:note-detail", pk=note.pk)

    def context(self, note: Note) -> dict:
        staff_id = self.actor.staff_id
        fields = []
        for spec in note.template.fields:
            fields.append(
                {**spec, "value": note.content.get(spec["key"]), "name": FIELD_PREFIX + spec["key"]}
            )
        summary = IntegrationSummary.objects.filter(session_id=note.session_id).first()
        return {
            "note": note,
            "session": note.session,
            "patient": note.patient,
            "fields": fields,
            "can_edit": not note.is_signed and note.author_id == staff_id,
            "can_add_addendum": note.is_signed and self.actor.role in CLINICIAN_ROLES,
            # Offered to clinicians; the service decides (author or medical on the team).
            "can_withhold": note.is_signed and self.actor.role in CLINICIAN_ROLES,
            "is_session_clinician": note.session.clinician_id == staff_id,
            "alongside": selectors.alongside(note, session=note.session),
            "dosing": selectors.dosing_alongside(session=note.session),
            "due_at": selectors.note_due_at(note.session),
            "overdue": not note.is_signed and selectors.note_due_at(note.session) <= timezone.now(),
            "hash_matches": services.note_hash_matches(note) if note.is_signed else None,
            "summary": summary,
            "tz": note.clinic.timezone,
        }


class NoteAutosaveView(NoteObjectMixin, View):
    """The editor's script posts the form here as the therapist types (and on leaving the
    page); answers JSON so the page can show the last-saved time and the word count."""

    allowed_roles = CLINICIAN_ROLES

    def note_queryset(self):
        # The note as the list reads it: the editor's answer needs no addenda.
        return selectors.note_list(user=self.request.user)

    def post(self, request, pk):
        note = self.get_note()
        try:
            note = services.note_save_draft(
                note=note,
                author=staff_for(request.user),
                content=content_from_post(note.template, request.POST),
                revision=_revision(request.POST),
            )
        except (DomainError, ValidationError) as error:
            return error_response(error)
        saved = note.clinic.local(note.updated_at)
        return JsonResponse(
            {
                "revision": note.revision,
                "word_count": note.word_count,
                "saved_at": note.updated_at.isoformat(),
                "saved_at_display": saved.strftime("%-I:%M:%S %p"),
            }
        )


class NoteSignView(NoteObjectMixin, View):
    """Save what the form holds, then sign (the editor's Sign button submits the form here)."""

    allowed_roles = CLINICIAN_ROLES

    def post(self, request, pk):
        note = self.get_note()
        author = staff_for(request.user)
        revision = _revision(request.POST)
        content = content_from_post(note.template, request.POST)
        if content and not note.is_signed:
            note, error = run_service(
                request,
                services.note_save_draft,
                note=note,
                author=author,
                content=content,
                revision=revision,
            )
            if error:
                return redirect("notes:note-detail", pk=pk)
            revision = note.revision
        run_service(
            request,
            services.note_sign,
            note=note,
            signer=author,
            revision=revision,
            success="Note signed. It can no longer change; add an addendum to correct it.",
        )
        return redirect("notes:note-detail", pk=pk)


class NoteActionView(NoteObjectMixin, View):
    """A clinician's POST on a note: one service call with the note, the clinician (as the
    service's `clinician_argument`) and the posted fields, then back to the note's section."""

    allowed_roles = CLINICIAN_ROLES
    service = None  # staticmethod(the service)
    clinician_argument = "staff"
    posted: tuple[str, ...] = ()  # form fields passed on under the same names
    success = ""
    anchor = ""

    def post(self, request, pk):
        run_service(
            request,
            self.service,
            note=self.get_note(),
            **{self.clinician_argument: staff_for(request.user)},
            **{name: request.POST.get(name, "") for name in self.posted},
            success=self.success,
        )
        return redirect(reverse("notes:note-detail", args=[pk]) + f"#{self.anchor}")


class AddendumCreateView(NoteActionView):
    service = staticmethod(services.addendum_add)
    clinician_argument = "author"
    posted = ("text",)
    success = "Addendum signed and added."
    anchor = "addenda"


class NoteWithholdView(NoteActionView):
    """Withhold the signed note from the patient, with the reason."""

    service = staticmethod(services.note_withhold)
    posted = ("reason",)
    success = "The note is withheld from the patient."
    anchor = "patient-access"


class NoteReleaseView(NoteActionView):
    service = staticmethod(services.note_release)
    success = "The patient can read the note again."
    anchor = "patient-access"


class NotePdfView(NoteObjectMixin, View):
    """The signed note as a PDF: staff who may see it, and the patient for their own
    readable notes (the selector hides drafts and withheld notes from them: 404)."""

    allowed_roles = STAFF_ROLES | {PATIENT}

    def get(self, request, pk):
        note = self.get_note()
        if not note.is_signed:
            messages.error(request, NoteNotSigned("Only a signed note can be exported.").message)
            return redirect("notes:note-detail", pk=pk)
        audit_access(note)
        response = HttpResponse(exports.note_pdf(note), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{exports.note_pdf_filename(note)}"'
        )
        return response


class SessionObjectMixin(RoleRequiredMixin):
    allowed_roles = STAFF_ROLES

    def get_session(self) -> Session:
        return get_visible_or_404(
            Session.objects.select_related("patient", "clinic"),
            user=self.request.user,
            pk=self.kwargs["pk"],
        )


class SessionNoteView(SessionObjectMixin, View):
    """A session's note: open it, or (its clinician) choose a template and start it."""

    def get(self, request, pk):
        session = self.get_session()
        note = Note.objects.filter(session=session).first()
        if note is not None:
            return redirect("notes:note-detail", pk=note.pk)
        audit_access(session)
        is_clinician = session.clinician_id == self.actor.staff_id
        if is_clinician:
            run_service(request, services.note_templates_install, clinic=session.clinic)
        templates = selectors.template_choices(
            clinic_id=session.clinic_id, session_kind=session.kind
        )
        previews = {t.pk: selectors.alongside(t, session=session) for t in templates[:1]}
        return render(
            request,
            "integration_notes/note_start.html",
            {
                "session": session,
                "patient": session.patient,
                "templates": templates,
                "alongside": next(iter(previews.values()), []),
                "dosing": selectors.dosing_alongside(session=session),
                "is_clinician": is_clinician,
                "due_at": selectors.note_due_at(session),
            },
        )

    def post(self, request, pk):
        session = self.get_session()
        template = get_visible_or_404(
            NoteTemplate, user=request.user, pk=request.POST.get("template") or 0
        )
        note, error = run_service(
            request,
            services.note_start,
            session=session,
            author=staff_for(request.user),
            template=template,
        )
        if error:
            return redirect("notes:session-note", pk=pk)
        return redirect("notes:note-detail", pk=note.pk)


class SummaryView(SessionObjectMixin, View):
    """The session's clinician writes (and shares) the patient's take-home summary."""

    allowed_roles = CLINICIAN_ROLES

    def post(self, request, pk):
        session = self.get_session()
        share = request.POST.get("share") == "on"
        run_service(
            request,
            services.summary_save,
            session=session,
            author=staff_for(request.user),
            practices=request.POST.get("practices", ""),
            reminders=request.POST.get("reminders", ""),
            share=share,
            success="Summary shared with the patient." if share else "Summary saved (not shared).",
        )
        return redirect(request.POST.get("next") or reverse("notes:session-note", args=[pk]))


# --- psychotherapy notes: their author only ---------------------------------------------------


class PsychotherapyNoteListView(RoleRequiredMixin, ListView):
    allowed_roles = CLINICIAN_ROLES
    template_name = "integration_notes/psychotherapy_note_list.html"
    context_object_name = "psy_notes"
    paginate_by = 25

    def get_queryset(self):
        return selectors.psychotherapy_note_list(user=self.request.user)


class PsychotherapyNoteCreateView(RoleRequiredMixin, View):
    allowed_roles = CLINICIAN_ROLES

    def _target(self, request):
        data = request.POST if request.method == "POST" else request.GET
        patient = get_visible_or_404(Patient, user=request.user, pk=data.get("patient") or 0)
        session = None
        if data.get("session"):
            session = get_visible_or_404(Session, user=request.user, pk=data.get("session"))
        return patient, session

    def get(self, request):
        patient, session = self._target(request)
        return render(
            request,
            "integration_notes/psychotherapy_note_form.html",
            {"patient": patient, "session": session, "psy_note": None},
        )

    def post(self, request):
        patient, session = self._target(request)
        note, error = run_service(
            request,
            services.psychotherapy_note_create,
            author=staff_for(request.user),
            patient=patient,
            session=session,
            body=request.POST.get("body", ""),
            success="Private note saved.",
        )
        if error:
            return render(
                request,
                "integration_notes/psychotherapy_note_form.html",
                {"patient": patient, "session": session, "psy_note": None},
                status=400,
            )
        return redirect("notes:psychotherapy-note-detail", pk=note.pk)


class PsychotherapyNoteDetailView(RoleRequiredMixin, View):
    """Anyone but the author gets 404, whatever their role (admins included)."""

    allowed_roles = STAFF_ROLES | {PATIENT}

    def get_note(self) -> PsychotherapyNote:
        return get_object_or_404(
            selectors.psychotherapy_note_list(user=self.request.user), pk=self.kwargs["pk"]
        )

    def get(self, request, pk):
        note = self.get_note()
        audit_access(note)
        return render(
            request,
            "integration_notes/psychotherapy_note_form.html",
            {"patient": note.patient, "session": note.session, "psy_note": note},
        )

    def post(self, request, pk):
        note = self.get_note()
        run_service(
            request,
            services.psychotherapy_note_update,
            note=note,
            author=staff_for(request.user),
            body=request.POST.get("body", ""),
            success="Private note saved.",
        )
        return redirect("notes:psychotherapy-note-detail", pk=pk)
