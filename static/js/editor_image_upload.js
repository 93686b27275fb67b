// The body editor's "Upload an image" (the UploadImage extension of
// django-prose-editor, enabled in posts.models.BODY_EXTENSIONS and loaded by
// its "configurable" preset: skolr_blog/settings DJANGO_PROSE_EDITOR_EXTENSIONS).
//
// A toolbar button, or an image file dropped or pasted into the text (a
// paste of an image alone: see pastedImage), opens a dialog asking for the
// alt text (required: readers who cannot see the image get it) and an
// optional caption. The file goes to the post's or page's admin
// (posts.body_image_admin.BodyImageUploadAdmin), which checks and stores it
// as the "images for the body" inline does; the figure is then inserted
// where the cursor was, with the address the server answered. A refused file
// is named with the server's reason, and nothing is inserted; nor is
// anything once the dialog is closed (Cancel, Escape): the upload is
// abandoned.
//
// The change form and a revision's restore page give the editor's textarea
// its upload address (data-image-upload-url); the add form has none, as a
// post not saved yet has no images: the button asks to save the draft
// first. The CSRF token is the form's own (the cookie is HttpOnly).
import { Extension, Plugin, gettext } from "django-prose-editor/editor"

const ACCEPTED = ["image/jpeg", "image/png", "image/gif", "image/webp"]

function element(tag, properties = {}, children = []) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(properties)) {
    if (name.startsWith("data-") || name.startsWith("aria-") || name === "role") node.setAttribute(name, value)
    else node[name] = value
  }
  node.append(...children)
  return node
}

// What the admin told the editor, on its textarea.
function uploadSettings(editor) {
  const textarea = editor.view.dom.closest(".prose-editor").querySelector("textarea")
  const token = textarea.form?.querySelector("input[name=csrfmiddlewaretoken]")
  return {
    url: textarea.dataset.imageUploadUrl || "",
    maxBytes: Number(textarea.dataset.imageMaxBytes) || 0,
    maxSize: textarea.dataset.imageMaxSize || "",
    token: token ? token.value : "",
  }
}

// A modal dialog styled as the editor's own (its link and figure dialogs).
function openDialog(editor, title, fields, buttons) {
  const error = element("div") // the server's reason a file was refused (refuse())
  const form = element("form", { method: "dialog" }, [
    element("h3", { className: "prose-editor-dialog-title", textContent: title }),
    ...fields,
    error,
    element("div", { className: "prose-editor-dialog-buttons" }, buttons),
  ])
  const dialog = element("dialog", { className: "prose-editor-dialog prose-editor-upload-dialog" }, [form])
  editor.view.dom.parentElement.append(dialog)
  dialog.addEventListener("close", () => dialog.remove())
  dialog.showModal()
  return { dialog, form, error }
}

function field(label, input, help = "") {
  const caption = element("label", { htmlFor: input.id, textContent: label })
  if (help) caption.append(element("span", { className: "prose-editor-help", textContent: help }))
  return element("div", { className: "prose-editor-dialog-field" }, [caption, input])
}

let dialogs = 0

function saveFirst(editor) {
  const ok = element("button", { type: "submit", textContent: gettext("OK") })
  const text = element("p", {
    textContent: gettext(
      "Save the draft first to upload images: then this button uploads an image and puts it where the cursor is.",
    ),
  })
  const { form } = openDialog(editor, gettext("Save the draft first to upload images"), [text], [ok])
  ok.focus()
  return form
}

// Ask for the file (unless dropped or pasted), its alt text and a caption;
// upload; insert the figure at the cursor.
function uploadImage(editor, file = null) {
  const settings = uploadSettings(editor)
  if (!settings.url) return saveFirst(editor)
  const id = `prose-editor-upload-${++dialogs}-`
  const chooser = element("input", { id: `${id}file`, name: "file", type: "file", accept: ACCEPTED.join(","), required: !file })
  const alt = element("input", { id: `${id}alt`, name: "alt", type: "text", required: true, maxLength: 200, size: 50 })
  const caption = element("input", { id: `${id}caption`, name: "caption", type: "text", size: 50 })
  const chosen = file
    ? element("div", { className: "prose-editor-dialog-field" }, [
        element("label", { textContent: gettext("Image") }),
        element("span", { className: "prose-editor-upload-file", textContent: file.name || gettext("pasted image") }),
      ])
    : field(gettext("Image"), chooser, gettext("JPEG, PNG, GIF or WebP") + (settings.maxSize ? `, ${settings.maxSize} at most` : ""))
  const submit = element("button", { type: "submit", textContent: gettext("Upload and insert") })
  const cancel = element("button", { type: "button", textContent: gettext("Cancel") })
  const { dialog, form, error } = openDialog(
    editor,
    gettext("Upload an image"),
    [
      chosen,
      field(gettext("Alternative text"), alt, gettext("Required: what the image shows, for readers who cannot see it.")),
      field(gettext("Caption"), caption, gettext("Optional")),
    ],
    [submit, cancel],
  )
  cancel.addEventListener("click", () => dialog.close())
  // Cancel or Escape while uploading abandons the upload: nothing is
  // inserted (a file the server had already stored stays among the images).
  const upload = new AbortController()
  dialog.addEventListener("close", () => upload.abort())
  ;(file ? alt : chooser).focus()

  // The admin's errornote sets its own display: it is added, not unhidden.
  const refuse = (message) => {
    error.replaceChildren(element("p", { className: "errornote", role: "alert", textContent: message }))
    submit.disabled = false
    submit.textContent = gettext("Upload and insert")
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault()
    if (!form.reportValidity() || submit.disabled) return
    const image = file || chooser.files[0]
    if (settings.maxBytes && image.size > settings.maxBytes) {
      refuse(gettext("This image is larger than the limit of %s.").replace("%s", settings.maxSize))
      return
    }
    const data = new FormData()
    data.append("image", image, image.name || "pasted-image")
    data.append("alt", alt.value.trim())
    data.append("csrfmiddlewaretoken", settings.token)
    submit.disabled = true
    submit.textContent = gettext("Uploading…")
    error.replaceChildren()
    let answer
    try {
      const response = await fetch(settings.url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        signal: upload.signal,
      })
      answer = await readAnswer(response)
    } catch {
      answer = { error: gettext("The upload did not reach the server: check the connection and try again.") }
    }
    if (upload.signal.aborted) return
    if (answer.error) {
      refuse(answer.error)
      return
    }
    dialog.close()
    const content = [{ type: "image", attrs: { src: answer.url, alt: answer.alt } }]
    const text = caption.value.trim()
    if (text) content.push({ type: "caption", content: [{ type: "text", text }] })
    editor.chain().focus().insertContent({ type: "figure", content }).run()
  })
  return form
}

// The server's JSON ({url, alt, …} or {error}), or what went wrong on the way.
async function readAnswer(response) {
  if (response.redirected && new URL(response.url).pathname.includes("/login/")) {
    // Signing in gives the session a new CSRF token, which this page's form
    // does not have: uploads and saves from it are refused until it is
    // reloaded. The reload offers back what was typed (admin_autosave.js).
    return {
      error: gettext(
        "You were signed out. Sign in again in another tab, then reload this page: it offers to restore what you typed. Then upload the image again.",
      ),
    }
  }
  if ((response.headers.get("Content-Type") || "").startsWith("application/json")) {
    const answer = await response.json()
    if (response.ok && answer.url) return answer
    if (answer.error) return answer
  }
  if (response.status === 413) return { error: gettext("This file is too large to upload.") }
  if (response.status === 403) {
    return { error: gettext("The upload was refused: reload the page (your changes are kept), then try again.") }
  }
  return { error: gettext("The upload failed (the server answered %s): try again.").replace("%s", response.status) }
}

function imageFile(transfer) {
  return Array.from(transfer?.files || []).find((file) => file.type.startsWith("image/")) || null
}

// The image a paste holds alone. Word, Excel or LibreOffice put text on the
// clipboard (text/plain, text/html) with a picture of it: that paste is the
// text's, and the editor pastes it. A browser's "Copy image" puts the image
// with an HTML <img> of it, without text: that one is uploaded.
function pastedImage(clipboard) {
  const file = imageFile(clipboard)
  if (!file) return null
  const html = clipboard.getData("text/html")
  const htmlText = html ? new DOMParser().parseFromString(html, "text/html").body.textContent : ""
  return clipboard.getData("text/plain").trim() || htmlText.trim() ? null : file
}

export const UploadImage = Extension.create({
  name: "uploadImage",

  addCommands() {
    return {
      uploadImage:
        (file = null) =>
        ({ editor }) => {
          uploadImage(editor, file)
          return true
        },
    }
  },

  addMenuItems({ buttons, menu }) {
    menu.defineItem({
      name: "uploadImage",
      groups: "nodes",
      command: (editor) => editor.commands.uploadImage(),
      button: buttons.material("add_photo_alternate", gettext("Upload an image")),
      option: null,
      active: () => false,
      enabled: (editor) => editor.isEditable,
    })
  },

  // An image file dropped or pasted into the text goes through the same
  // dialog (readers need its alt text), to where it was dropped.
  addProseMirrorPlugins() {
    const editor = this.editor
    return [
      new Plugin({
        props: {
          handleDrop(view, event) {
            const file = imageFile(event.dataTransfer)
            if (!file) return false
            event.preventDefault()
            const at = view.posAtCoords({ left: event.clientX, top: event.clientY })
            if (at) editor.commands.setTextSelection(at.pos)
            uploadImage(editor, file)
            return true
          },
          handlePaste(view, event) {
            const file = pastedImage(event.clipboardData)
            if (!file) return false
            event.preventDefault()
            uploadImage(editor, file)
            return true
          },
        },
      }),
    ]
  },
})
