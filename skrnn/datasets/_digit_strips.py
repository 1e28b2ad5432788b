# SPDX-License-Identifier: BSD-3-Clause
"""Strips of handwritten digits and their captions, from scikit-learn's digits.

A small real-data case for vector-to-sequence models ("image captioning"): one
feature vector per sample, a variable-length string to predict from it.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

#: Side of one ``load_digits`` image, in pixels.
_DIGIT_SIDE = 8
#: The largest pixel value of ``load_digits`` (its images hold 0..16).
_MAX_PIXEL = 16.0
#: The seed of the one fixed train/test split of the ``load_digits`` images:
#: never ``random_state``, so that strips drawn with any seed from one subset
#: never share an image with strips drawn from the other.
_SPLIT_SEED = 0
_SUBSETS = ("train", "test")


def make_digit_strips(
    n_samples=1000,
    *,
    max_digits=4,
    subset="train",
    test_size=0.25,
    random_state=None,
    return_images=False,
):
    """Generate strips of handwritten digits side by side, captioned.

    Each strip holds 1 to ``max_digits`` images of scikit-learn's handwritten
    digits (``sklearn.datasets.load_digits``, 1,797 images of 8 x 8
    pixels) placed side by side, and its caption is the string of those
    digits, e.g. ``'407'``. This is a vector-to-sequence task, the
    "image captioning" case of an encoder-decoder: one feature vector per
    sample, a sequence of symbols of variable length to predict from it.

    **The split.** The 1,797 images are split once, by a fixed rule: a
    stratified ``sklearn.model_selection.train_test_split`` on their
    digit, ``test_size`` of them held out, with a fixed seed (0) that does
    not depend on ``random_state`` (with the default ``test_size=0.25``:
    1,347 train and 450 test images, 43 to 46 of each digit in test). Strips
    of ``subset='train'`` are made of train images only and strips of
    ``subset='test'`` of test images only, so, for a given ``test_size``,
    train and test strips never share an image whatever their
    ``random_state``: a score on test strips measures reading images never
    seen in training, not recalling them. The split is by image, not by
    writer (``load_digits`` does not say who wrote which image), so the same
    hands may appear in both subsets.

    **Drawing a strip.** Its length is drawn uniformly from
    ``1..max_digits``; each of its digits uniformly from 0..9 (so every digit
    is equally frequent, whatever the counts of the images), and then the
    image of that digit uniformly, with replacement, from the subset's images
    of that digit. The draws come from ``random_state`` alone: the same value
    gives the same strips. All lengths and digits are drawn before any image,
    so train and test strips drawn with the same seed have the same captions;
    draw them with different seeds, or from one ``RandomState`` in turn.

    **The canvas.** A strip is an image of 8 rows and ``8 * max_digits``
    columns whatever its length: the digit images fill it from the left, one
    8-column block each, and the columns after the last digit are zero. The
    pixels are divided by 16, the largest value of ``load_digits``, into
    [0, 1], and the canvas is flattened row by row (C order), so the pixel
    at row ``r`` and column ``c`` is feature ``r * 8 * max_digits + c`` and
    ``X.reshape(-1, 8, 8 * max_digits)`` gives back the images.

    Parameters
    ----------
    n_samples : int, default=1000
        The number of strips (at least 1).

    max_digits : int, default=4
        The largest number of digits in a strip (at least 1); it also sets
        the width of every strip, ``8 * max_digits`` columns.

    subset : {'train', 'test'}, default='train'
        Which images of the fixed split the strips are made of.

    test_size : float, default=0.25
        The fraction of the 1,797 images held out for ``subset='test'``,
        strictly between 0 and 1. Each subset must keep at least 10 images
        (the stratified split then gives it one of every digit): with the
        1,797 images, ``test_size`` from about 0.006 to 0.994. Train and
        test strips are disjoint only when both are made with the same
        ``test_size``.

    random_state : int, RandomState instance or None, default=None
        Determines the lengths, the digits and their images. Pass an int for
        reproducible output across multiple function calls.

    return_images : bool, default=False
        If True, also return the strips as 2-D images.

    Returns
    -------
    X : ndarray of shape (n_samples, 64 * max_digits)
        The strips, one flattened canvas per row, float64 in [0, 1].

    y : list of str of length n_samples
        The captions: the digits of each strip from left to right, 1 to
        ``max_digits`` characters of ``'0'..'9'``.

    images : ndarray of shape (n_samples, 8, 8 * max_digits)
        The same strips as 8-row images (a copy, not a view of ``X``). Only
        returned if ``return_images`` is True.

    Raises
    ------
    ValueError
        If ``n_samples`` or ``max_digits`` is not an int of at least 1, if
        ``subset`` is not ``'train'`` or ``'test'``, if ``test_size`` is not
        a number strictly between 0 and 1 or leaves fewer than 10 images in
        a subset, or if ``return_images`` is not a bool.

    Examples
    --------
    >>> from skrnn.datasets import make_digit_strips
    >>> X, y = make_digit_strips(n_samples=5, random_state=0)
    >>> X.shape
    (5, 256)
    >>> y
    ['3', '5247', '68', '6', '1598']
    >>> float(X.min()), float(X.max())
    (0.0, 1.0)

    The first strip shows one digit: the 24 columns after it are zero.

    >>> images = X.reshape(-1, 8, 32)
    >>> float(images[0, :, 8:].max())
    0.0
    >>> X_test, y_test, images_test = make_digit_strips(
    ...     n_samples=3, max_digits=2, subset="test", random_state=0,
    ...     return_images=True)
    >>> X_test.shape, images_test.shape
    ((3, 128), (3, 8, 16))
    """
    _check_arguments(n_samples, max_digits, subset, test_size, return_images)
    images, digit_counts = _subset_images(subset, test_size)
    rng = check_random_state(random_state)
    lengths, digits, image_indices = _draw_strips(
        rng, n_samples, max_digits, digit_counts
    )
    strips = _paste_strips(images[image_indices], lengths)
    X = strips.reshape(n_samples, -1)
    y = _captions(lengths, digits)
    if return_images:
        return X, y, strips.copy()
    return X, y


def _check_arguments(n_samples, max_digits, subset, test_size, return_images):
    """Raise a ValueError naming the first argument that is not valid."""
    _check_positive_int(n_samples, "n_samples")
    _check_positive_int(max_digits, "max_digits")
    if not isinstance(subset, str) or subset not in _SUBSETS:
        raise ValueError(
            f"subset must be one of {list(_SUBSETS)}; got {subset!r} instead."
        )
    if (
        not isinstance(test_size, Real)
        or isinstance(test_size, bool)
        or not 0 < test_size < 1
    ):
        raise ValueError(
            "test_size must be a number strictly between 0 and 1; "
            f"got {test_size!r} instead."
        )
    if not isinstance(return_images, (bool, np.bool_)):
        raise ValueError(
            f"return_images must be a bool; got {return_images!r} instead."
        )


def _check_positive_int(value, name):
    """Raise a ValueError unless ``value`` is an int (not a bool) of at least 1."""
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an int of at least 1; got {value!r} instead.")


def _subset_images(subset, test_size):
    """The images of ``subset`` in the fixed split, scaled to [0, 1].

    Returns the images, of shape ``(n_images, 8, 8)``, sorted by digit (the
    images of one digit in the order of ``load_digits``), and the number of
    images of each digit, of shape ``(10,)``.
    """
    digits = load_digits()
    try:
        train, test = train_test_split(
            np.arange(len(digits.target)),
            test_size=test_size,
            stratify=digits.target,
            random_state=_SPLIT_SEED,
        )
    except ValueError as exc:  # a subset of fewer images than digits
        raise ValueError(
            f"test_size={test_size!r} leaves fewer than 10 of the "
            f"{len(digits.target)} images in a subset, which needs one of each "
            f"digit; choose a test_size nearer 0.5 ({exc})."
        ) from exc
    indices = np.sort(train if subset == "train" else test)
    indices = indices[np.argsort(digits.target[indices], kind="stable")]
    digit_counts = np.bincount(digits.target[indices], minlength=10)
    return digits.images[indices] / _MAX_PIXEL, digit_counts


def _draw_strips(rng, n_samples, max_digits, digit_counts):
    """Draw each strip's length, its digits and the image that shows each one.

    Returns ``lengths`` of shape ``(n_samples,)``, in ``1..max_digits``, and
    ``digits`` and ``image_indices`` of shape ``(n_samples, max_digits)``:
    the digit at each position and the index of its image among the
    subset's images sorted by digit (``digit_counts`` images of each digit).
    Positions at or after a strip's length are drawn too, so that the draws
    do not depend on the lengths, and are ignored.
    """
    lengths = rng.randint(1, max_digits + 1, size=n_samples)
    digits = rng.randint(10, size=(n_samples, max_digits))
    first_of_digit = np.cumsum(digit_counts) - digit_counts
    image_indices = first_of_digit[digits] + rng.randint(digit_counts[digits])
    return lengths, digits, image_indices


def _paste_strips(digit_images, lengths):
    """The strips as images of shape ``(n_samples, 8, 8 * max_digits)``.

    ``digit_images`` of shape ``(n_samples, max_digits, 8, 8)`` holds the
    image at each position; a strip's first ``length`` images fill its
    canvas from the left, 8 columns each, and the columns after them are 0.
    """
    n_samples, max_digits = digit_images.shape[:2]
    shown = np.arange(max_digits) < lengths[:, np.newaxis]
    digit_images = digit_images * shown[:, :, np.newaxis, np.newaxis]
    # (strip, position, row, column) -> (strip, row, position, column)
    strips = digit_images.transpose(0, 2, 1, 3)
    return strips.reshape(n_samples, _DIGIT_SIDE, _DIGIT_SIDE * max_digits)


def _captions(lengths, digits):
    """Each strip's caption: its first ``length`` digits as a string."""
    return [
        "".join(map(str, row[:length]))
        for length, row in zip(lengths, digits, strict=True)
    ]
