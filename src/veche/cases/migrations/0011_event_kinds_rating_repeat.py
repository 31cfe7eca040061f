from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_event_kind_deadline"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "поступило"),
                    ("status_changed", "смена статуса"),
                    ("assigned", "назначен исполнитель"),
                    ("topic_changed", "изменена тема"),
                    ("priority_changed", "изменён приоритет"),
                    ("comment", "комментарий"),
                    ("answer_drafted", "проект ответа"),
                    ("linked", "связано"),
                    ("citizen_message", "сообщение заявителя"),
                    ("answer_approved", "ответ согласован"),
                    ("answer_sent", "ответ направлен"),
                    ("attachment_added", "вложение"),
                    ("located", "указано место"),
                    ("problem", "отнесено к проблеме"),
                    ("deadline", "срок"),
                    ("rating", "оценка заявителя"),
                    ("repeat", "повторное обращение"),
                ],
                max_length=20,
                verbose_name="что",
            ),
        ),
    ]
