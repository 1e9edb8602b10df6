/*
 * Shared by the libFuzzer targets: the fuzz input as a NUL-terminated
 * string, and as a file that the readers under test open by path.
 *
 * The design is simple: libFuzzer hands each target bytes that are not
 * NUL-terminated; the parsers take C strings or paths. fuzz_text() copies
 * the bytes into a fresh allocation (so ASan sees a read past the end),
 * fuzz_file() into an anonymous memory file, opened as /proc/self/fd/N, so
 * the readers run exactly as `bench compare` and `bench report` run them.
 */
#ifndef PT_FUZZ_INPUT_H
#define PT_FUZZ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd copy of data with a terminating NUL (the caller frees). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

/* An anonymous file holding data; its path goes in path. Returns the
 * descriptor (the caller closes it). */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path,
			    size_t path_len)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, path_len, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
