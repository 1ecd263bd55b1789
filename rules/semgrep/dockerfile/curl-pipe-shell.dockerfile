FROM debian:12-slim
# ruleid: dockerfile-curl-pipe-shell
RUN curl -fsSL https://example.com/install.sh | sh
# ruleid: dockerfile-curl-pipe-shell
RUN apt-get update && wget -qO- https://example.com/setup | bash -s -- --yes
# ok: dockerfile-curl-pipe-shell
RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \
    && echo "d0c9b1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0  /tmp/install.sh" | sha256sum -c \
    && sh /tmp/install.sh
# ok: dockerfile-curl-pipe-shell
RUN curl -fsSL https://example.com/data.json | jq .version
USER app
