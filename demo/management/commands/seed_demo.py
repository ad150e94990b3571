from __future__ import annotations

from django.core.management.base import BaseCommand

from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create the demo organisations, users of every role and rounds (idempotent); print the accounts."

    def handle(self, *args, **options):
        result = seed_demo()
        self.stdout.write("评审批次：")
        for r in result["rounds"]:
            window = r.policy.window("online_filing")
            self.stdout.write(f"  {r.slug}  {r.name}  {window.describe()}")
        self.stdout.write("演示账号（用户名 / 密码 / 角色 / 机构）：")
        for username, password, role, org in result["users"]:
            self.stdout.write(f"  {username:<18} {password}  {role}  {org}")
        self.stdout.write("评审委员会阶段：")
        for line in result["committee"]:
            self.stdout.write(line)
