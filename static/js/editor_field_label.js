// The body editor's text takes its name from the field's label (the
// FieldLabel extension of django-prose-editor, enabled in
// posts.models.BODY_EXTENSIONS and loaded by its "configurable" preset:
// skolr_blog/settings DJANGO_PROSE_EDITOR_EXTENSIONS).
//
// The admin's "Body" label is for the textarea, which the editor hides and
// writes to; what an author types into is ProseMirror's contenteditable
// (role textbox), which had no name: a screen reader announced an unnamed
// edit field (found by QA: axe, aria-input-field-name). The label names it
// by aria-labelledby, as it names every other field of the form.
import { Extension, Plugin } from "django-prose-editor/editor"

export const FieldLabel = Extension.create({
  name: "fieldLabel",

  addProseMirrorPlugins() {
    // The editor starts in a wrapper of its own around the textarea.
    const textarea = this.editor.options.element.querySelector("textarea")
    const label = textarea && textarea.labels && textarea.labels[0]
    if (!label) return []
    if (!label.id) label.id = `${textarea.id}_label`
    return [new Plugin({ props: { attributes: { "aria-labelledby": label.id } } })]
  },
})
