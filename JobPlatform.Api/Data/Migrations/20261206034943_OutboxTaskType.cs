using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JobPlatform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class OutboxTaskType : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "type",
                table: "outbox_messages",
                type: "text",
                nullable: false,
                defaultValue: "");

            // Rows already waiting take their job's type, so the relay can tell whether a live worker runs it.
            migrationBuilder.Sql("UPDATE outbox_messages o SET type = j.type FROM jobs j WHERE j.id = o.job_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "type",
                table: "outbox_messages");
        }
    }
}
