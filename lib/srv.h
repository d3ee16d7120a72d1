/* srv.h: DNS SRV lookups, private to lib/. */
#ifndef SRV_H
#define SRV_H

#include <stddef.h>

/*
 * Looks up _service._tcp.domain and picks the target with the lowest
 * priority (the highest weight among those). Returns 1 with host and
 * port set, 0 if there is no usable record.
 */
int srv_lookup(const char *service, const char *domain, char *host,
    size_t hostlen, unsigned *port);

#endif
