/* cert.h: the server's certificate, private to lib/. */
#ifndef CERT_H
#define CERT_H

#include <stdint.h>
#include <stdio.h>

/* "sha256//" + 44 base64 characters + NUL */
#define CERT_PIN_LEN 53

/* The pin of the public key in a PEM certificate; 0 if it cannot tell. */
int cert_pin(const char *pem, char pin[CERT_PIN_LEN]);

/* Whether pin is one of the ';'-separated pins. */
int cert_pin_matches(const char *pins, const char *pin);

/*
 * What --show-cert prints about a PEM certificate; problem is NULL when
 * it verified. Returns 0 if it cannot read the certificate.
 */
int cert_show(FILE *, const char *pem, const char *where,
    const char *problem);

/*
 * A PEM certificate's subject and issuer (RFC 2253, text-escaped) and
 * its notAfter as Unix time; 0 if it cannot read it (all left empty).
 */
int cert_describe(const char *pem, char *subject, size_t slen,
    char *issuer, size_t ilen, int64_t *not_after);

#endif
