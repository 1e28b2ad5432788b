/* SPDX-License-Identifier: BSD-3-Clause
 *
 * A NumPy memory handler (NEP 49) that keeps the large blocks that arrays
 * free and hands them to the next arrays of the same size.
 *
 * Why: a training step allocates the same large buffers every time (the
 * gates of every time step, the forward cache, the gradients), tens of
 * megabytes, and frees them at its end. glibc gives blocks that large
 * straight back to the kernel (munmap, or a trim of the heap's top), so the
 * next step's buffers are fresh pages: one page fault and one page of
 * zeroing every 4 KiB the step first touches. Keeping the blocks makes the
 * next step write into pages already mapped.
 *
 * The handler only keeps blocks while a scope is open (skrnn_recycling_enter
 * .. _exit, see recycling.py); when the last scope closes, every kept block
 * is freed, and later frees go to NumPy's default allocator. Every block
 * comes from that allocator (small ones from its cache, large ones from
 * malloc), so a block NumPy reallocates, or frees after the scopes closed,
 * goes back where it came from. A block is reused for a request of its size up to
 * twice smaller; kept blocks are bounded in number and bytes, the oldest
 * freed first when a new one would pass the bounds.
 */
#ifndef SKRNN_RECYCLING_H
#define SKRNN_RECYCLING_H

#include <Python.h>
#include <pythread.h>
#include <stdlib.h>
#include <string.h>

#include <numpy/arrayobject.h>

/* Smaller blocks come from malloc's free lists, without page faults. */
#define SKRNN_RECYCLE_MIN_BYTES ((size_t)1 << 18)
#define SKRNN_RECYCLE_SLOTS 64
#define SKRNN_RECYCLE_MAX_BYTES ((size_t)4 << 30)

typedef struct {
    void *ptr;
    size_t size; /* the size NumPy freed it with: at most the block's own */
} skrnn_block;

static skrnn_block skrnn_kept[SKRNN_RECYCLE_SLOTS]; /* oldest first */
static int skrnn_n_kept = 0;
static size_t skrnn_kept_bytes = 0;
static int skrnn_scopes = 0;
static PyThread_type_lock skrnn_lock = NULL;
/* NumPy's own allocator, for the small blocks (it keeps a cache of them). */
static PyDataMemAllocator skrnn_default;

/* Remove kept block i (the caller holds the lock); return its pointer. */
static void *skrnn_take(int i)
{
    void *ptr = skrnn_kept[i].ptr;
    skrnn_kept_bytes -= skrnn_kept[i].size;
    memmove(skrnn_kept + i, skrnn_kept + i + 1,
            (size_t)(skrnn_n_kept - i - 1) * sizeof(skrnn_block));
    skrnn_n_kept--;
    return ptr;
}

/* A kept block of at least `size` bytes and at most twice that (the
   smallest such, the latest kept among equals), or NULL. */
static void *skrnn_reuse(size_t size)
{
    void *ptr = NULL;
    int best = -1;
    if (size < SKRNN_RECYCLE_MIN_BYTES) return NULL;
    PyThread_acquire_lock(skrnn_lock, WAIT_LOCK);
    for (int i = 0; i < skrnn_n_kept; i++) {
        const size_t s = skrnn_kept[i].size;
        if (s >= size && s / 2 <= size &&
            (best < 0 || s <= skrnn_kept[best].size)) best = i;
    }
    if (best >= 0) ptr = skrnn_take(best);
    PyThread_release_lock(skrnn_lock);
    return ptr;
}

/* Blocks below SKRNN_RECYCLE_MIN_BYTES, and every realloc, go to NumPy's
   default allocator; its blocks are malloc's too (it keeps small ones in
   a cache of its own, larger ones it takes from and gives to malloc). */
static void *skrnn_malloc(void *ctx, size_t size)
{
    void *ptr = skrnn_reuse(size);
    (void)ctx;
    if (ptr != NULL) return ptr;
    return skrnn_default.malloc(skrnn_default.ctx, size);
}

static void *skrnn_calloc(void *ctx, size_t nelem, size_t elsize)
{
    void *ptr;
    (void)ctx;
    if (elsize != 0 && nelem > (size_t)-1 / elsize) return NULL;
    ptr = skrnn_reuse(nelem * elsize);
    if (ptr == NULL) return skrnn_default.calloc(skrnn_default.ctx, nelem, elsize);
    memset(ptr, 0, nelem * elsize);
    return ptr;
}

static void *skrnn_realloc(void *ctx, void *ptr, size_t new_size)
{
    (void)ctx;
    return skrnn_default.realloc(skrnn_default.ctx, ptr, new_size);
}

static void skrnn_free(void *ctx, void *ptr, size_t size)
{
    skrnn_block evicted[SKRNN_RECYCLE_SLOTS];
    int n_evicted = 0;
    (void)ctx;
    if (ptr == NULL) return;
    if (size < SKRNN_RECYCLE_MIN_BYTES || size > SKRNN_RECYCLE_MAX_BYTES) {
        skrnn_default.free(skrnn_default.ctx, ptr, size);
        return;
    }
    PyThread_acquire_lock(skrnn_lock, WAIT_LOCK);
    if (skrnn_scopes == 0) {
        PyThread_release_lock(skrnn_lock);
        skrnn_default.free(skrnn_default.ctx, ptr, size);
        return;
    }
    while (skrnn_n_kept == SKRNN_RECYCLE_SLOTS ||
           skrnn_kept_bytes + size > SKRNN_RECYCLE_MAX_BYTES)
    {
        evicted[n_evicted].size = skrnn_kept[0].size;
        evicted[n_evicted++].ptr = skrnn_take(0);
    }
    skrnn_kept[skrnn_n_kept].ptr = ptr;
    skrnn_kept[skrnn_n_kept].size = size;
    skrnn_n_kept++;
    skrnn_kept_bytes += size;
    PyThread_release_lock(skrnn_lock);
    for (int i = 0; i < n_evicted; i++)
        skrnn_default.free(skrnn_default.ctx, evicted[i].ptr, evicted[i].size);
}

static PyDataMem_Handler skrnn_handler = {
    "skrnn_recycling",
    1,
    {NULL, skrnn_malloc, skrnn_calloc, skrnn_realloc, skrnn_free},
};

/* Once, at import: NumPy's C API (1.22 or later), its default allocator
   and the lock. 0 on success, -1 with an exception set. */
static int skrnn_recycling_init(void)
{
    PyDataMem_Handler *handler;
    if (_import_array() < 0) return -1;
    handler = (PyDataMem_Handler *)PyCapsule_GetPointer(
        PyDataMem_DefaultHandler, "mem_handler");
    if (handler == NULL) return -1;
    skrnn_default = handler->allocator;
    skrnn_lock = PyThread_allocate_lock();
    if (skrnn_lock == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Open a scope: this context's arrays get the handler. Returns the
   previous handler (to give back to skrnn_recycling_exit), or NULL with an
   exception set. */
static PyObject *skrnn_recycling_enter(void)
{
    PyObject *capsule, *previous;
    capsule = PyCapsule_New(&skrnn_handler, "mem_handler", NULL);
    if (capsule == NULL) return NULL;
    previous = PyDataMem_SetHandler(capsule);
    Py_DECREF(capsule);
    if (previous == NULL) return NULL;
    PyThread_acquire_lock(skrnn_lock, WAIT_LOCK);
    skrnn_scopes++;
    PyThread_release_lock(skrnn_lock);
    return previous;
}

/* Close a scope: give this context its previous handler back; the last
   scope to close frees the kept blocks. 0 on success, -1 with an
   exception set. */
static int skrnn_recycling_exit(PyObject *previous)
{
    PyObject *ours = PyDataMem_SetHandler(previous);
    skrnn_block freed[SKRNN_RECYCLE_SLOTS];
    int n_freed = 0;
    if (ours == NULL) return -1;
    Py_DECREF(ours);
    PyThread_acquire_lock(skrnn_lock, WAIT_LOCK);
    if (--skrnn_scopes == 0)
        while (skrnn_n_kept > 0) {
            freed[n_freed].size = skrnn_kept[0].size;
            freed[n_freed++].ptr = skrnn_take(0);
        }
    PyThread_release_lock(skrnn_lock);
    for (int i = 0; i < n_freed; i++)
        skrnn_default.free(skrnn_default.ctx, freed[i].ptr, freed[i].size);
    return 0;
}

/* The number and bytes of kept blocks (tests). */
static void skrnn_recycling_kept(int *n, size_t *bytes)
{
    PyThread_acquire_lock(skrnn_lock, WAIT_LOCK);
    *n = skrnn_n_kept;
    *bytes = skrnn_kept_bytes;
    PyThread_release_lock(skrnn_lock);
}

#endif
