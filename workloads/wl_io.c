/*
 * Whole-buffer I/O shared by the I/O kernels (io-file, io-net): one loop
 * that keeps calling a read- or write-like operation until every byte has
 * moved, so partial transfers and signals never cut a task's data short.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wl_kernels.h"

ssize_t wl_read_op(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

ssize_t wl_write_op(int fd, void *buf, size_t len)
{
	return write(fd, buf, len);
}

ssize_t wl_recv_op(int fd, void *buf, size_t len)
{
	return recv(fd, buf, len, 0);
}

ssize_t wl_send_op(int fd, void *buf, size_t len)
{
	return send(fd, buf, len, MSG_NOSIGNAL);
}

int wl_transfer_all(int fd, void *buf, size_t len, wl_io_op op)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = op(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
