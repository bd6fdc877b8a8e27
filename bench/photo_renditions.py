"""How long the worker takes to turn one phone photo into web renditions.

Run by hand (never by the tests)::

    .venv/bin/python bench/photo_renditions.py [--repeat 5]

It makes a 4032 × 3024 phone-like JPEG (3-4 MB, EXIF with GPS, the same
picture ``bench/submit_load.py`` uploads) and the same picture as an iPhone
HEIC turned by its EXIF orientation, then times ``photos.inspect`` (what the
upload request pays) and ``photos.make_renditions`` (what the worker pays:
three widths, WebP + JPEG each) on one core, and prints the median and the
slowest run. The renditions are written to a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tasuki.settings")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per photo")
    args = parser.parse_args(argv)

    import django

    django.setup()
    import pillow_heif
    from django.core.files.storage import FileSystemStorage
    from PIL import Image

    from bench.submit_load import make_photo
    from tasuki.entries import photos

    with tempfile.TemporaryDirectory(prefix="tasuki-renditions-") as tmp:
        jpeg_path = Path(tmp) / "phone.jpg"
        facts = make_photo(jpeg_path)
        pillow_heif.register_heif_opener()
        heic = io.BytesIO()
        with Image.open(jpeg_path) as picture:
            exif = picture.getexif()
            exif[0x0112] = 6  # stored sideways, as iPhones store portrait shots
            picture.save(heic, format="HEIF", quality=80, exif=exif.tobytes())
        samples = {
            f"JPEG {facts['size']} ({facts['bytes'] / 1e6:.2f} MB)": jpeg_path.read_bytes(),
            f"HEIC 4032x3024 turned ({len(heic.getvalue()) / 1e6:.2f} MB)": heic.getvalue(),
        }
        storage = FileSystemStorage(location=str(Path(tmp) / "out"))
        print(f"Photo renditions on one core, {args.repeat} runs each, widths "
              f"{list(django.conf.settings.TASUKI_PHOTO_WIDTHS)} × (WebP, JPEG)")  # fmt: skip
        for label, data in samples.items():
            inspect_s, render_s = [], []
            for k in range(args.repeat):
                started = time.perf_counter()
                photos.inspect(io.BytesIO(data), size=len(data))
                inspect_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                made = photos.make_renditions(io.BytesIO(data), name=f"b{k:02d}", storage=storage)
                render_s.append(time.perf_counter() - started)
            sizes = ", ".join(f"{v['width']}×{v['height']}" for v in made.values())
            print(f"  {label}")
            for what, times in (
                ("inspect (upload request)", inspect_s),
                ("renditions (worker)", render_s),
            ):
                print(
                    f"    {what:<25} median {statistics.median(times) * 1000:6.0f} ms"
                    f"   max {max(times) * 1000:6.0f} ms"
                )
            print(f"    renditions made: {sizes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
