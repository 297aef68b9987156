# syntax=docker/dockerfile:1
# The web console's production build behind nginx. From the repository root:
#   docker build -f deploy/images/web.Dockerfile -t jobplatform/web:dev .
FROM node:20-alpine AS build
WORKDIR /src
COPY JobPlatform.Web/package.json JobPlatform.Web/package-lock.json JobPlatform.Web/.npmrc ./
RUN npm ci --no-audit --no-fund
COPY JobPlatform.Web/ ./
RUN npm run build

# nginx as a non-root user (uid 101) on port 8080, its pid and temp files under /tmp. The server
# block (the probes, and /api sent to the api Service) is the web ConfigMap, mounted over conf.d.
FROM nginxinc/nginx-unprivileged:1.27-alpine
COPY --from=build /src/dist /usr/share/nginx/html
EXPOSE 8080
USER 101
