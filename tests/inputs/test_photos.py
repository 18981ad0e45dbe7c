"""The shipped photographs: present, licensed, small, and fitted to any input size the same way."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from edgekit.inputs.photos import (
    PHOTO_SCENES,
    PHOTOS,
    fit,
    load_photo,
    person_points,
    render_photo_scene,
    resize,
)


def test_every_photo_is_shipped_small_with_its_licence_note():
    folder = resources.files("edgekit").joinpath("data/photos")
    notice = folder.joinpath("NOTICE").read_text(encoding="utf-8")
    for photo in PHOTOS:
        data = folder.joinpath(f"{photo.name}.png").read_bytes()
        assert len(data) < 80_000, photo.name  # well under 100 KB each
        assert f"{photo.name}.png" in notice
    assert "public domain" in notice and notice.count("CC0") >= 2


def test_photos_load_as_rgb_and_are_what_they_say():
    astronaut, coffee, cat = (load_photo(name) for name in ("astronaut", "coffee", "chelsea"))
    assert astronaut.shape == (192, 192, 3) and coffee.shape == (160, 240, 3) and cat.shape == (160, 240, 3)
    assert astronaut.dtype == np.uint8 and 60 < astronaut.mean() < 200
    # The astronaut's suit is orange: red well above blue in the lower middle of the frame.
    suit = astronaut[130:170, 60:110].reshape(-1, 3).mean(axis=0)
    assert suit[0] > suit[2] + 60
    load_photo("coffee")[:] = 0  # a copy: the cached photo stays intact
    assert load_photo("coffee").mean() > 30
    with pytest.raises(KeyError, match="no photo 'dog'"):
        load_photo("dog")
    assert [p.people for p in PHOTOS] == [1, 0, 0]


def test_resize_is_bilinear_between_pixel_centres():
    two = np.array([[[0, 0, 0], [100, 200, 40]]], dtype=np.uint8)  # 1 x 2
    four = resize(two, 1, 4)
    # Output centres at 0.125, 0.375, 0.625, 0.875 of the row: source positions -0.25, 0.25, 0.75, 1.25.
    assert four[0, :, 0].tolist() == [0, 25, 75, 100]
    assert np.array_equal(resize(two, 1, 2), two)  # the identity at the same size


def test_fit_crops_to_the_aspect_ratio_before_resizing():
    wide = np.zeros((10, 30, 3), dtype=np.uint8)
    wide[:, 10:20] = 255  # the middle third
    assert fit(wide, 10, 10).min() == 255  # only the middle third is kept
    tall = np.zeros((30, 10, 3), dtype=np.uint8)
    tall[10:20] = 255
    assert fit(tall, 4, 4).min() == 255


def test_photo_scenes_render_at_any_size_identically_twice():
    for scene in PHOTO_SCENES:
        first, second = render_photo_scene(scene, 96, 128), render_photo_scene(scene, 96, 128)
        assert first.shape == (96, 128, 3) and np.array_equal(first, second)
    mirrored = render_photo_scene(PHOTO_SCENES[1], 64, 64)
    assert np.array_equal(mirrored, render_photo_scene(PHOTO_SCENES[0], 64, 64)[:, ::-1])
    small = render_photo_scene(PHOTO_SCENES[2], 100, 100)
    background = (small == (214, 222, 230)).all(axis=2)
    assert 0.8 < background.mean() < 0.9  # a 40 x 40 photo in a 100 x 100 frame
    rows, cols = np.nonzero(~background)
    assert 0.25 < cols.mean() / 100 < 0.45 and 0.5 < rows.mean() / 100 < 0.7  # off-centre, left and low
    assert [scene.people for scene in PHOTO_SCENES] == [1, 1, 1, 0, 0]


def test_person_points_follow_the_photo_when_mirrored_and_pasted():
    whole, mirrored, small, coffee = PHOTO_SCENES[0], PHOTO_SCENES[1], PHOTO_SCENES[2], PHOTO_SCENES[3]
    points = person_points(whole, 256, 256)
    assert points[0] == (0.434, 0.230) and points[11][0] > points[12][0]  # her left shoulder: image right
    flipped = person_points(mirrored, 256, 256)
    assert flipped[0] == pytest.approx((1 - 0.434, 0.230))
    assert flipped[11] == pytest.approx((1 - points[12][0], points[12][1]))  # still the image-right one
    pasted = person_points(small, 100, 100)
    frame = render_photo_scene(small, 100, 100)
    x, y = pasted[0]
    assert 0.25 < x < 0.45 and 0.45 < y < 0.55  # inside the pasted 40 x 40 photo (top 0.4), near its top
    assert not (frame[round(y * 100), round(x * 100)] == (214, 222, 230)).all()
    assert person_points(coffee, 64, 64) == {}
