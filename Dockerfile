# The release image: the static Linux binary on an empty base, with the CA bundle rustls reads
# to verify a portal's certificate, as a non-root user. Nothing is compiled here: the context is
# what `scripts/dist.sh image-context` lays out from the release archives (the binaries built
# once, for every channel), so the image runs exactly the binary the archives hold:
#
#   scripts/dist.sh build x86_64-unknown-linux-musl && scripts/dist.sh image-context
#   docker buildx build --platform linux/amd64 -t docspace-rooms dist/image
#
#   docker run --rm -v "$PWD:/work" -e DOCSPACE_URL -e DOCSPACE_TOKEN docspace-rooms plan
FROM scratch

# amd64 or arm64: set by BuildKit (and buildah) for the platform being built.
ARG TARGETARCH

LABEL org.opencontainers.image.title="docspace-rooms" \
      org.opencontainers.image.description="Manage ONLYOFFICE DocSpace rooms as code: plan and apply a YAML manifest against a portal" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"

# rustls verifies certificates against the roots rustls-native-certs loads from this file.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt

COPY ${TARGETARCH}/docspace-rooms /usr/local/bin/docspace-rooms

# No shell and no account database on scratch: a numeric user that is not root.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/docspace-rooms"]
CMD ["--help"]
