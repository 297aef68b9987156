using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JobPlatform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class Queues : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_outbox_messages_tenant_id_priority_id",
                table: "outbox_messages");

            migrationBuilder.AddColumn<List<string>>(
                name: "queues",
                table: "workers",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<string>(
                name: "queue",
                table: "task_types",
                type: "character varying(40)",
                maxLength: 40,
                nullable: false,
                defaultValue: "default");

            migrationBuilder.AddColumn<string>(
                name: "queue",
                table: "outbox_messages",
                type: "character varying(40)",
                maxLength: 40,
                nullable: false,
                defaultValue: "default");

            migrationBuilder.AddColumn<string>(
                name: "queue",
                table: "jobs",
                type: "character varying(40)",
                maxLength: 40,
                nullable: false,
                defaultValue: "default");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_tenant_id_queue_priority_id",
                table: "outbox_messages",
                columns: new[] { "tenant_id", "queue", "priority", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_outbox_messages_tenant_id_queue_priority_id",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "queues",
                table: "workers");

            migrationBuilder.DropColumn(
                name: "queue",
                table: "task_types");

            migrationBuilder.DropColumn(
                name: "queue",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "queue",
                table: "jobs");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_tenant_id_priority_id",
                table: "outbox_messages",
                columns: new[] { "tenant_id", "priority", "id" });
        }
    }
}
