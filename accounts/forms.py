from __future__ import annotations

from django import forms

from accounts.selectors import units


class RegistrationForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=64)
    phone = forms.RegexField(label="手机号码", regex=r"^1\d{10}$", error_messages={"invalid": "请输入 11 位手机号码。"})
    unit = forms.ModelChoiceField(label="工作单位", queryset=units(), empty_label="请选择工作单位")
    password = forms.CharField(label="密码", widget=forms.PasswordInput, min_length=8)
    password_confirm = forms.CharField(label="确认密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", "两次输入的密码不一致。")
        return data
