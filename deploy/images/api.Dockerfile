# syntax=docker/dockerfile:1
# JobPlatform.Api. From the repository root: docker build -f deploy/images/api.Dockerfile -t jobplatform/api:dev .
FROM mcr.microsoft.com/dotnet/sdk:10.0-alpine AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY JobPlatform.ServiceDefaults/JobPlatform.ServiceDefaults.csproj JobPlatform.ServiceDefaults/
COPY JobPlatform.Contracts/JobPlatform.Contracts.csproj JobPlatform.Contracts/
COPY JobPlatform.TaskQueues/JobPlatform.TaskQueues.csproj JobPlatform.TaskQueues/
COPY JobPlatform.Api/JobPlatform.Api.csproj JobPlatform.Api/
RUN dotnet restore JobPlatform.Api/JobPlatform.Api.csproj
COPY JobPlatform.ServiceDefaults/ JobPlatform.ServiceDefaults/
COPY JobPlatform.Contracts/ JobPlatform.Contracts/
COPY JobPlatform.TaskQueues/ JobPlatform.TaskQueues/
COPY JobPlatform.Api/ JobPlatform.Api/
RUN dotnet publish JobPlatform.Api/JobPlatform.Api.csproj -c Release -o /app --no-restore -p:UseAppHost=false

# The ASP.NET Core runtime on Alpine (the services use invariant globalization), as the image's
# non-root "app" user (uid 1654). The manifests also run it with a read-only root filesystem.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-alpine
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "JobPlatform.Api.dll"]
