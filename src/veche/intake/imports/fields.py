"""The Veche fields an export column can feed, with the labels the mapping page shows."""

from django.db import models


class Field(models.TextChoices):
    EXTERNAL_ID = "external_id", "Внешний номер (ключ)"
    RECEIVED_AT = "received_at", "Дата поступления"
    TEXT = "text", "Текст"
    SUBJECT = "subject", "Тема / заголовок"
    TOPIC = "topic", "Рубрика (тема по рубрикатору)"
    TOPIC_CODE = "topic_code", "Код рубрики ПОС"
    DEPARTMENT = "department", "Ответственный отдел"
    EXECUTOR = "executor", "Исполнитель"
    STATUS = "status", "Статус"
    OUTCOME = "outcome", "Итог"
    APPEAL_FLAG = "appeal_flag", "Обращение по 59-ФЗ (да/нет)"
    AUTHOR_NAME = "author_name", "ФИО заявителя"
    AUTHOR_PHONE = "author_phone", "Телефон заявителя"
    AUTHOR_EMAIL = "author_email", "E-mail заявителя"
    ADDRESS = "address", "Адрес"
    MUNICIPALITY = "municipality", "Муниципалитет"
    SETTLEMENT = "settlement", "Населённый пункт"
    STREET = "street", "Улица"
    HOUSE = "house", "Дом"
    ASSIGNED_AT = "assigned_at", "Дата назначения исполнителя"
    FIRST_ANSWER = "first_answer", "Текст первого ответа"
    FIRST_ANSWER_DELAY = "first_answer_delay", "Время до первого ответа (длительность)"
    ANSWER_1 = "answer_1", "Ответ исполнителя 1"
    ANSWER_1_AT = "answer_1_at", "Дата ответа исполнителя 1"
    ANSWER_2 = "answer_2", "Ответ исполнителя 2"
    ANSWER_3 = "answer_3", "Ответ исполнителя 3"
    ANSWER = "answer", "Текст ответа"
    ANSWERED_AT = "answered_at", "Дата ответа"
    FINISHED_AT = "finished_at", "Дата закрытия"


REQUIRED = (Field.EXTERNAL_ID, Field.RECEIVED_AT, Field.TEXT)
ADDRESS_PARTS = (Field.MUNICIPALITY, Field.SETTLEMENT, Field.STREET, Field.HOUSE)
# Executors' answers in the order they were given; the last one of an answered case is final.
EXECUTOR_ANSWERS = (Field.ANSWER_1, Field.ANSWER_2, Field.ANSWER_3, Field.ANSWER)
