"""Draw the seed article's thumbnail and Skolr's author photo.

The original page's images were not available, so these are drawn with
Pillow and committed next to the content. Run again only to change them:
    .venv/bin/python content/draw_images.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent / "images"
NAVY, BLUE, TEAL, AMBER, CREAM = "#13324a", "#1f5f8b", "#1d8a7a", "#e0a526", "#fbfaf7"


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def thumbnail() -> None:
    width, height = 1600, 900
    image = Image.new("RGB", (width, height), NAVY)
    draw = ImageDraw.Draw(image)
    # Soft diagonal light across the background.
    glow = Image.new("L", (width, height), 0)
    ImageDraw.Draw(glow).ellipse((700, -400, 2100, 900), fill=120)
    glow = glow.filter(ImageFilter.GaussianBlur(160))
    image.paste(Image.new("RGB", (width, height), BLUE), mask=glow)
    draw = ImageDraw.Draw(image)
    # Three framework "cards", ascending like a podium of choices.
    cards = [("Django", TEAL, 470), ("Flask", CREAM, 400), ("FastAPI", AMBER, 330)]
    for index, (label, colour, top) in enumerate(cards):
        left = 170 + index * 440
        draw.rounded_rectangle((left + 12, top + 16, left + 372, 772), radius=36, fill="#0b2234")
        draw.rounded_rectangle((left, top, left + 360, 760), radius=36, fill=colour)
        ink = NAVY if colour != TEAL else CREAM
        text_width = draw.textlength(label, font=font(64))
        draw.text((left + (360 - text_width) / 2, top + 48), label, font=font(64), fill=ink)
        for line in range(3):
            y = top + 140 + line * 40
            draw.rounded_rectangle((left + 48, y, left + 312 - line * 50, y + 18), radius=9, fill=ink)
    draw.text((170, 90), "Which Python web framework", font=font(72), fill=CREAM)
    draw.text((170, 180), "should you learn?", font=font(72), fill=AMBER)
    image.save(HERE / "django-vs-flask-vs-fastapi.png", optimize=True)


def author_photo() -> None:
    size = 512
    image = Image.new("RGB", (size, size), BLUE)
    draw = ImageDraw.Draw(image)
    draw.ellipse((-80, 260, 600, 900), fill=TEAL)
    draw.rounded_rectangle((120, 120, 392, 392), radius=64, fill=CREAM)
    mark = "S"
    text_width = draw.textlength(mark, font=font(220))
    draw.text(((size - text_width) / 2, 130), mark, font=font(220), fill=NAVY)
    image.save(HERE / "skolr.png", optimize=True)


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    thumbnail()
    author_photo()
