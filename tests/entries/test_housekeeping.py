import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from tasuki.entries import services
from tasuki.entries.models import Photo, private_storage

pytestmark = pytest.mark.django_db


def make_photo() -> Photo:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 40)).save(buffer, "PNG")
    return services.store_photo(submission_key=uuid.uuid4(), file=buffer, size=buffer.tell())


def test_housekeeping_deletes_only_old_unsent_uploads(capsys):
    old, fresh = make_photo(), make_photo()
    Photo.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - dt.timedelta(days=3))
    call_command("tasuki_housekeeping")
    assert list(Photo.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert private_storage().exists(fresh.original)
    assert not private_storage().exists(old.original)
    assert "1 abandoned photo(s) deleted" in capsys.readouterr().out
