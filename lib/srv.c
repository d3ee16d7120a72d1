/*
 * srv.c: SRV records (RFC 2782), for direct TLS (XEP-0368): libstrophe
 * 0.12 looks up _xmpp-client._tcp for STARTTLS, but not _xmpps-client.
 */
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/nameser.h>

#include <resolv.h>
#include <stdio.h>
#include <string.h>

#include "srv.h"

int
srv_lookup(const char *service, const char *domain, char *host,
    size_t hostlen, unsigned *port)
{
	unsigned char answer[4096];
	const unsigned char *rd;
	char name[NS_MAXDNAME], target[NS_MAXDNAME];
	int len, i, found = 0;
	unsigned prio, weight, best_prio = 65536, best_weight = 0;
	ns_msg msg;
	ns_rr rr;

	snprintf(name, sizeof(name), "_%s._tcp.%s", service, domain);
	len = res_query(name, ns_c_in, ns_t_srv, answer, sizeof(answer));
	if (len < 0 || ns_initparse(answer, len, &msg) < 0)
		return 0;
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 ||
		    ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7)
			continue;
		rd = ns_rr_rdata(rr);
		prio = ns_get16(rd);
		weight = ns_get16(rd + 2);
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 6, target,
		    sizeof(target)) < 0)
			continue;
		/* "." means: the service is not offered here */
		if (strcmp(target, ".") == 0 || target[0] == '\0')
			continue;
		if (prio < best_prio || (prio == best_prio &&
		    weight > best_weight)) {
			best_prio = prio;
			best_weight = weight;
			snprintf(host, hostlen, "%s", target);
			*port = ns_get16(rd + 4);
			found = 1;
		}
	}
	return found;
}
