# ruleid: dockerfile-untagged-image
FROM ubuntu AS builder
RUN make

# ok: dockerfile-untagged-image
FROM builder
RUN make install

# ok: dockerfile-untagged-image
FROM debian:12-slim AS runtime

# ok: dockerfile-untagged-image
FROM scratch

# ok: dockerfile-untagged-image
FROM python@sha256:6d4e4b3c0b2f8cb8b5c6e1c6b6a33f2d1f5e3d9f8c7b6a5d4c3b2a1f0e9d8c7b
