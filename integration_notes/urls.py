from django.urls import path

from integration_notes import views

app_name = "notes"

urlpatterns = [
    path("notes/", views.NoteListView.as_view(), name="note-list"),
    path("notes/<int:pk>/", views.NoteDetailView.as_view(), name="note-detail"),
    path("notes/<int:pk>/autosave/", views.NoteAutosaveView.as_view(), name="note-autosave"),
    path("notes/<int:pk>/sign/", views.NoteSignView.as_view(), name="note-sign"),
    path("notes/<int:pk>/addenda/", views.AddendumCreateView.as_view(), name="addendum-create"),
    path("notes/<int:pk>/withhold/", views.NoteWithholdView.as_view(), name="note-withhold"),
    path("notes/<int:pk>/release/", views.NoteReleaseView.as_view(), name="note-release"),
    path("notes/<int:pk>/pdf/", views.NotePdfView.as_view(), name="note-pdf"),
    path("sessions/<int:pk>/note/", views.SessionNoteView.as_view(), name="session-note"),
    path("sessions/<int:pk>/summary/", views.SummaryView.as_view(), name="session-summary"),
    path(
        "psychotherapy-notes/",
        views.PsychotherapyNoteListView.as_view(),
        name="psychotherapy-note-list",
    ),
    path(
        "psychotherapy-notes/new/",
        views.PsychotherapyNoteCreateView.as_view(),
        name="psychotherapy-note-create",
    ),
    path(
        "psychotherapy-notes/<int:pk>/",
        views.PsychotherapyNoteDetailView.as_view(),
        name="psychotherapy-note-detail",
    ),
]
