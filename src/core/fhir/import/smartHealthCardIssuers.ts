/**
 * Issuers whose public keys Salus carries, so a SMART Health Card's signature can be
 * checked with no network. A key is an EC P-256 JWK (x, y in base64url) named by `kid`.
 * Add an issuer with its published `/.well-known/jwks.json` and where it came from.
 */
export type KnownIssuer = { iss: string; name: string; keys: { kid: string; x: string; y: string }[] }

export const knownIssuers: readonly KnownIssuer[] = [
  {
    // The SMART Health Cards specification's example issuer; its test vectors are signed with
    // these keys (smart-on-fhir/health-cards, branch gh-pages, examples/issuer/.well-known/jwks.json).
    iss: 'https://spec.smarthealth.cards/examples/issuer',
    name: 'SMART Health Cards example issuer (test vectors, not a real health authority)',
    keys: [
      { kid: '3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s', x: '11XvRWy1I2S0EyJlyf_bWfw_TQ5CJJNLw78bHXNxcgw', y: 'eZXwxvO1hvCY0KucrPfKo7yAyMT6Ajc3N7OkAB6VYy8' },
      { kid: 'EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw', x: 'PQHApUWm94mflvswQgAnfHlETMwJFqjUVSs7WU6LQy4', y: '7mj8IO-8V5VZjDbRVsJINC_Rq5ai5CDhFX18ceRsLWQ' },
    ],
  },
]
