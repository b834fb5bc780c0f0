"""Back-office configuration: note templates. Notes are shown read-only; psychotherapy notes
are not registered at all (only their author may ever read them)."""

from django.contrib import admin

from integration_notes import services
from integration_notes.models import Addendum, Note, NoteTemplate


@admin.register(NoteTemplate)
class NoteTemplateAdmin(admin.ModelAdmin):
    """Saving a change to a template adds a new version; the old one stays for its notes."""

    list_display = ["name", "key", "version", "clinic", "is_current"]
    list_filter = ["clinic", "is_current"]
    search_fields = ["name", "key"]
    readonly_fields = ["version", "is_current", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # Identity never changes; a retired version changes not at all.
            base = [*self.readonly_fields, "clinic", "key"]
            if not obj.is_current:
                return [f.name for f in NoteTemplate._meta.concrete_fields]
            return base
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.note_template_create(
                clinic=obj.clinic,
                key=obj.key,
                name=obj.name,
                fields=obj.fields,
                description=obj.description,
                session_kinds=obj.session_kinds,
                show_alongside=obj.show_alongside,
                position=obj.position,
            )
            obj.pk = created.pk
            return
        changes = {name: getattr(obj, name) for name in form.changed_data}
        if changes:
            revised = services.note_template_revise(template=obj, **changes)
            obj.pk = revised.pk

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """The record is written through the application only; here it can be looked at."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AddendumInline(admin.TabularInline):
    model = Addendum
    extra = 0
    fields = ["signed_at", "author", "text", "content_hash"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ["id", "patient", "session", "template", "author", "status", "signed_at"]
    list_filter = ["status", "clinic"]
    list_select_related = ["patient", "session", "template", "author__user"]
    inlines = [AddendumInline]
