# syntax=docker/dockerfile:1
# The fauxqs SQS emulator the AppHost runs, for the kind overlay. From the repository root:
#   docker build -f deploy/images/sqs-emulator.Dockerfile -t jobplatform/sqs-emulator:dev .
FROM node:22-alpine
WORKDIR /app
COPY JobPlatform.AppHost/tools/fauxqs/package.json JobPlatform.AppHost/tools/fauxqs/package-lock.json JobPlatform.AppHost/tools/fauxqs/start.mjs ./
# The image has Node 22 already: the npm "node" package the AppHost needs on Node 20 is dropped;
# fauxqs keeps the version the lock file pins.
RUN npm pkg delete dependencies.node && npm install --omit=dev --no-audit --no-fund && npm cache clean --force
ENV FAUXQS_PORT=4566
EXPOSE 4566
# The image's non-root "node" user (uid 1000).
USER 1000
CMD ["node", "start.mjs"]
