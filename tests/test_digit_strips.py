# SPDX-License-Identifier: BSD-3-Clause
"""make_digit_strips: shapes, values, draws, padding and the fixed split."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skrnn.datasets import make_digit_strips

N_IMAGES = 1797


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def _split(digits, test_size=0.25):
    """The documented split: stratified on the digit, seed 0, as index sets."""
    train, test = train_test_split(
        np.arange(N_IMAGES),
        test_size=test_size,
        stratify=digits.target,
        random_state=0,
    )
    return {"train": set(train.tolist()), "test": set(test.tolist())}


def _image_index(digits):
    """A dict from an image's pixel values (as bytes) to its index.

    ``load_digits`` holds no two equal images, so the pixels name the image.
    """
    pixels = digits.images.astype(np.int64)
    index = {image.tobytes(): i for i, image in enumerate(pixels)}
    assert len(index) == N_IMAGES
    return index


def _blocks(strip, length):
    """The 8 x 8 digit images of one strip, back in load_digits' 0..16 pixels."""
    return [
        np.rint(strip[:, 8 * k : 8 * k + 8] * 16).astype(np.int64)
        for k in range(length)
    ]


@pytest.mark.parametrize("max_digits", [1, 2, 4, 6])
def test_shapes_and_types(max_digits):
    X, y, images = make_digit_strips(
        n_samples=30, max_digits=max_digits, random_state=0, return_images=True
    )
    assert X.shape == (30, 64 * max_digits)
    assert X.dtype == np.float64
    assert isinstance(y, list) and len(y) == 30
    assert all(isinstance(caption, str) for caption in y)
    assert images.shape == (30, 8, 8 * max_digits)
    np.testing.assert_array_equal(images, X.reshape(30, 8, 8 * max_digits))
    assert not np.shares_memory(images, X)


def test_without_return_images_two_values_are_returned():
    assert len(make_digit_strips(n_samples=3, random_state=0)) == 2


def test_values_are_pixels_divided_by_16():
    X, _ = make_digit_strips(n_samples=200, random_state=0)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, np.rint(X * 16))


def test_captions_are_1_to_max_digits_digits():
    _, y = make_digit_strips(n_samples=500, max_digits=3, random_state=0)
    assert all(caption.isdigit() and caption.isascii() for caption in y)
    assert {len(caption) for caption in y} == {1, 2, 3}


def test_lengths_and_digits_are_roughly_uniform():
    n_samples, max_digits = 4000, 4
    _, y = make_digit_strips(n_samples=n_samples, max_digits=max_digits, random_state=0)
    length_counts = np.bincount([len(caption) for caption in y])[1:]
    # 1,000 expected per length, standard deviation about 27.
    np.testing.assert_allclose(length_counts, n_samples / max_digits, rtol=0.12)
    digit_counts = np.bincount([int(c) for c in "".join(y)], minlength=10)
    # About 10,000 digits, 1,000 expected each, standard deviation 30.
    np.testing.assert_allclose(digit_counts, digit_counts.sum() / 10, rtol=0.12)


def test_the_columns_after_the_last_digit_are_zero():
    max_digits = 4
    _, y, images = make_digit_strips(
        n_samples=300, max_digits=max_digits, random_state=0, return_images=True
    )
    for caption, strip in zip(y, images, strict=True):
        assert not strip[:, 8 * len(caption) :].any(), caption
        # every digit image of load_digits has ink, so a digit's block does too
        for block in _blocks(strip, len(caption)):
            assert block.any(), caption


def test_the_same_seed_gives_the_same_strips():
    X1, y1 = make_digit_strips(n_samples=50, random_state=7)
    X2, y2 = make_digit_strips(n_samples=50, random_state=7)
    np.testing.assert_array_equal(X1, X2)
    assert y1 == y2
    X3, y3 = make_digit_strips(n_samples=50, random_state=np.random.RandomState(7))
    np.testing.assert_array_equal(X1, X3)
    assert y1 == y3


def test_other_seeds_give_other_strips():
    X1, y1 = make_digit_strips(n_samples=50, random_state=0)
    X2, y2 = make_digit_strips(n_samples=50, random_state=1)
    assert y1 != y2
    assert not np.array_equal(X1, X2)


def test_the_subset_changes_the_images_not_the_captions():
    # The captions are drawn before the images, from the same generator.
    X_train, y_train = make_digit_strips(n_samples=50, random_state=0)
    X_test, y_test = make_digit_strips(n_samples=50, subset="test", random_state=0)
    assert y_train == y_test
    assert not np.array_equal(X_train, X_test)


@pytest.mark.parametrize("test_size", [0.25, 0.5])
def test_every_block_is_an_image_of_its_digit_from_its_subset(digits, test_size):
    # The proof that train and test strips share no image: each digit block
    # is, pixel for pixel, a load_digits image of the caption's digit, and
    # that image is in the strip's subset of the documented split.
    split = _split(digits, test_size)
    assert not split["train"] & split["test"]
    index = _image_index(digits)
    for subset in ("train", "test"):
        _, y, images = make_digit_strips(
            n_samples=1500,
            subset=subset,
            test_size=test_size,
            random_state=0,
            return_images=True,
        )
        used = set()
        for caption, strip in zip(y, images, strict=True):
            for digit, block in zip(caption, _blocks(strip, len(caption)), strict=True):
                image = index[block.tobytes()]
                assert image in split[subset], (subset, caption)
                assert digits.target[image] == int(digit), (subset, caption)
                used.add(image)
        # about 3,750 draws: most of the subset's images are used
        assert len(used) > 0.8 * len(split[subset])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_samples": 0}, "n_samples must be an int of at least 1"),
        ({"n_samples": 2.0}, "n_samples must be an int of at least 1"),
        ({"n_samples": True}, "n_samples must be an int of at least 1"),
        ({"max_digits": 0}, "max_digits must be an int of at least 1"),
        ({"max_digits": "4"}, "max_digits must be an int of at least 1"),
        ({"subset": "validation"}, r"subset must be one of \['train', 'test'\]"),
        ({"subset": None}, r"subset must be one of \['train', 'test'\]"),
        ({"test_size": 0}, "test_size must be a number strictly between 0 and 1"),
        ({"test_size": 1.0}, "test_size must be a number strictly between 0 and 1"),
        ({"test_size": 450}, "test_size must be a number strictly between 0 and 1"),
        ({"test_size": "0.25"}, "must be a number strictly between 0 and 1"),
        ({"test_size": float("nan")}, "must be a number strictly between 0 and 1"),
        ({"test_size": 0.001}, "test_size=0.001 leaves fewer than 10 of the"),
        ({"test_size": 0.999}, "test_size=0.999 leaves fewer than 10 of the"),
        ({"return_images": "yes"}, "return_images must be a bool"),
        ({"random_state": "seed"}, "cannot be used to seed"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_digit_strips(**kwargs)
