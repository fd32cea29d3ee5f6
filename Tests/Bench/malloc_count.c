// SPDX-License-Identifier: GPL-2.0-only
// malloc_count.so: counts the heap allocation calls of the process it is preloaded into, in a file that
// another process (Tests/Bench/bench.py) reads while this one runs.
//
// Flow
// ----
// 1. The constructor resolves the real functions with dlsym(RTLD_NEXT, ...). dlsym may itself allocate
//    (calloc for its error state): a call made while resolving is served from a small static bootstrap
//    arena, counted like any other, and never returned to the real allocator (free ignores it).
// 2. It then maps $MALLOC_COUNT_FILE (created, sized to one page, MAP_SHARED) and moves the counts made
//    so far into it. Without the variable, or if the file cannot be mapped, counts stay in this process.
// 3. Every wrapper adds one to its counter (a relaxed atomic: any thread, no lock) and calls the real
//    function.
//
// The file: struct MallocCountFile below, little-endian u64s — magic, version, then one counter per
// entry point in the order of enum Counter. bench.py reads it with struct.unpack("<11Q", ...).
//
// Build: cc -O2 -fPIC -shared -o malloc_count.so malloc_count.c -ldl
// Use:   MALLOC_COUNT_FILE=/tmp/counts LD_PRELOAD=$PWD/malloc_count.so PROGRAM ...

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum Counter {
    COUNT_MALLOC,
    COUNT_CALLOC,
    COUNT_REALLOC,
    COUNT_POSIX_MEMALIGN,
    COUNT_ALIGNED_ALLOC,
    COUNT_MEMALIGN,
    COUNT_VALLOC,
    COUNT_PVALLOC,
    COUNT_FREE,
    COUNTERS,
};

#define MALLOC_COUNT_MAGIC 0x544e434f4c4c414dULL /* "MALLOCNT" read as little-endian bytes */
#define MALLOC_COUNT_VERSION 1

struct MallocCountFile {
    uint64_t magic;
    uint64_t version;
    _Atomic uint64_t count[COUNTERS];
};

// Counts before the file is mapped (or for good, without one).
static struct MallocCountFile local_counts = {MALLOC_COUNT_MAGIC, MALLOC_COUNT_VERSION, {0}};
static struct MallocCountFile *_Atomic counts = &local_counts;

static void count(enum Counter c) {
    struct MallocCountFile *f = atomic_load_explicit(&counts, memory_order_acquire);
    atomic_fetch_add_explicit(&f->count[c], 1, memory_order_relaxed);
}

// MARK: - The real functions

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static void (*real_free)(void *);

static _Atomic int resolving;

static void resolve(void) {
    if (atomic_exchange(&resolving, 1)) return; // another thread or a recursive call: the arena serves
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real_memalign = dlsym(RTLD_NEXT, "memalign");
    real_valloc = dlsym(RTLD_NEXT, "valloc");
    real_pvalloc = dlsym(RTLD_NEXT, "pvalloc");
    real_free = dlsym(RTLD_NEXT, "free");
}

static int resolved(void) {
    if (real_free == NULL) resolve();
    return real_free != NULL;
}

// MARK: - Bootstrap arena (allocations made while dlsym runs)

#define ARENA_SIZE (64 * 1024)
#define ARENA_HEADER 16 // each block starts with its size, keeping 16-byte alignment

static _Alignas(16) unsigned char arena[ARENA_SIZE];
static _Atomic size_t arena_used;

static int in_arena(const void *p) {
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + ARENA_SIZE;
}

static void *arena_alloc(size_t size) {
    size_t need = ARENA_HEADER + ((size + 15) & ~(size_t)15);
    size_t start = atomic_fetch_add(&arena_used, need);
    if (start + need > ARENA_SIZE) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(arena + start, &size, sizeof size);
    return arena + start + ARENA_HEADER; // static storage: already zeroed, so calloc is served too
}

static size_t arena_size(const void *p) {
    size_t size;
    memcpy(&size, (const unsigned char *)p - ARENA_HEADER, sizeof size);
    return size;
}

// MARK: - Wrappers

void *malloc(size_t size) {
    count(COUNT_MALLOC);
    return resolved() ? real_malloc(size) : arena_alloc(size);
}

void *calloc(size_t n, size_t size) {
    count(COUNT_CALLOC);
    if (size != 0 && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return resolved() ? real_calloc(n, size) : arena_alloc(n * size);
}

void *realloc(void *p, size_t size) {
    count(COUNT_REALLOC);
    if (!resolved()) return NULL;
    if (p != NULL && in_arena(p)) { // moves out of the arena
        void *q = real_malloc(size);
        if (q != NULL) memcpy(q, p, arena_size(p) < size ? arena_size(p) : size);
        return q;
    }
    return real_realloc(p, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    count(COUNT_POSIX_MEMALIGN);
    return resolved() ? real_posix_memalign(out, alignment, size) : ENOMEM;
}

void *aligned_alloc(size_t alignment, size_t size) {
    count(COUNT_ALIGNED_ALLOC);
    return resolved() ? real_aligned_alloc(alignment, size) : NULL;
}

void *memalign(size_t alignment, size_t size) {
    count(COUNT_MEMALIGN);
    return resolved() ? real_memalign(alignment, size) : NULL;
}

void *valloc(size_t size) {
    count(COUNT_VALLOC);
    return resolved() ? real_valloc(size) : NULL;
}

void *pvalloc(size_t size) {
    count(COUNT_PVALLOC);
    return resolved() ? real_pvalloc(size) : NULL;
}

void free(void *p) {
    count(COUNT_FREE);
    if (p == NULL || in_arena(p)) return;
    if (resolved()) real_free(p);
}

// MARK: - The shared file

static void map_counts_file(void) {
    const char *path = getenv("MALLOC_COUNT_FILE");
    if (path == NULL || *path == '\0') return;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    long page = sysconf(_SC_PAGESIZE);
    if (ftruncate(fd, page) != 0) {
        close(fd);
        return;
    }
    struct MallocCountFile *f = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (f == MAP_FAILED) return;
    for (int c = 0; c < COUNTERS; c++) {
        uint64_t early = atomic_load_explicit(&local_counts.count[c], memory_order_relaxed);
        atomic_fetch_add_explicit(&f->count[c], early, memory_order_relaxed);
    }
    f->version = MALLOC_COUNT_VERSION;
    f->magic = MALLOC_COUNT_MAGIC;
    atomic_store_explicit(&counts, f, memory_order_release);
}

__attribute__((constructor)) static void malloc_count_init(void) {
    resolved();
    map_counts_file();
}
