using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JobPlatform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class RetryAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "retry_at",
                table: "tasks",
                type: "timestamp with time zone",
                nullable: true);

            // A retry waiting when this runs waits in SQS (its message hidden for the backoff), and a
            // claim of a retrying task is refused from now on: the relay sends it again at once instead.
            migrationBuilder.Sql("UPDATE tasks SET retry_at = now() WHERE status = 'retrying'");

            migrationBuilder.CreateIndex(
                name: "ix_tasks_retry_due",
                table: "tasks",
                column: "retry_at",
                filter: "status = 'retrying'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_tasks_retry_due",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "retry_at",
                table: "tasks");
        }
    }
}
