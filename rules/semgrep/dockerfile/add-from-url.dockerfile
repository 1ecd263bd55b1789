FROM debian:12-slim
# ruleid: dockerfile-add-from-url
ADD https://example.com/tool.tar.gz /opt/
# ruleid: dockerfile-add-from-url
ADD --chown=app:app http://example.com/app.jar /srv/app.jar
# ok: dockerfile-add-from-url
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/
# ok: dockerfile-add-from-url
ADD vendor.tar.gz /opt/
USER app
