FROM debian:12-slim
# ok: dockerfile-user-root
USER root
RUN apt-get update
USER app
RUN make
# ruleid: dockerfile-user-root
USER root
CMD ["/usr/local/bin/serve"]
