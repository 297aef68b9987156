using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JobPlatform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class RetentionAndUnfinishedTaskCap : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "job_retention_days",
                table: "tenants",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "max_unfinished_tasks",
                table: "tenants",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_jobs_finished_at",
                table: "jobs",
                column: "finished_at",
                filter: "finished_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_idempotency_keys_created_at",
                table: "idempotency_keys",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_dead_letters_recorded_at",
                table: "dead_letters",
                column: "recorded_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_jobs_finished_at",
                table: "jobs");

            migrationBuilder.DropIndex(
                name: "ix_idempotency_keys_created_at",
                table: "idempotency_keys");

            migrationBuilder.DropIndex(
                name: "ix_dead_letters_recorded_at",
                table: "dead_letters");

            migrationBuilder.DropColumn(
                name: "job_retention_days",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "max_unfinished_tasks",
                table: "tenants");
        }
    }
}
