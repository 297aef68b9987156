# syntax=docker/dockerfile:1
# samples/WordCount, a worker pool of its own on JobPlatform.Worker.Sdk. From the repository root:
# docker build -f deploy/images/wordcount.Dockerfile -t jobplatform/wordcount:dev .
FROM mcr.microsoft.com/dotnet/sdk:10.0-alpine AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY JobPlatform.Contracts/JobPlatform.Contracts.csproj JobPlatform.Contracts/
COPY JobPlatform.TaskQueues/JobPlatform.TaskQueues.csproj JobPlatform.TaskQueues/
COPY JobPlatform.Worker.Sdk/JobPlatform.Worker.Sdk.csproj JobPlatform.Worker.Sdk/
COPY samples/WordCount/WordCount.csproj samples/WordCount/
RUN dotnet restore samples/WordCount/WordCount.csproj
COPY JobPlatform.Contracts/ JobPlatform.Contracts/
COPY JobPlatform.TaskQueues/ JobPlatform.TaskQueues/
COPY JobPlatform.Worker.Sdk/ JobPlatform.Worker.Sdk/
COPY samples/WordCount/ samples/WordCount/
RUN dotnet publish samples/WordCount/WordCount.csproj -c Release -o /app --no-restore -p:UseAppHost=false

# The ASP.NET Core runtime on Alpine, as the image's non-root "app" user (uid 1654).
FROM mcr.microsoft.com/dotnet/aspnet:10.0-alpine
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "WordCount.dll"]
