"""glibc's memory allocator, tuned for batch inference by the scripts that classify recordings.

Each batch of 256 beats allocates activations of about 6 MB per layer. By default glibc maps such blocks
fresh from the kernel and returns them on free, so every batch pays for new zeroed pages. Asked to serve
them from its heap and keep freed memory, classification ran 1.5-1.9 x faster here (12,000 beats, the
recording model) and a 24-hour report took about 30 s instead of 34-42 s (docs/holter-report.md).
It changes the whole process, so the scripts call it in main(); importing the package never does.
"""
import ctypes

M_TRIM_THRESHOLD = -1   # mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed value: blocks under 32 MB come from the heap
TRIM_THRESHOLD = 1 << 30   # give freed heap memory back only above 1 GB


def keep_freed_memory():
    """Tune glibc as above; True when it took the settings, False where there is no glibc (nothing done)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    took = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD), libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    return all(took)
