"""Reports credit words to the earliest text and say whose each source is (``kind``),
with each source's credited share and version; editors' re-scores are reports too."""

import django.db.models.deletion
import plagiarism.engine
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('plagiarism', '0005_checks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='reportsource',
            options={'ordering': ['-primary_words', '-score']},
        ),
        migrations.RemoveConstraint(
            model_name='report',
            name='one_report_per_paper_version',
        ),
        migrations.AddField(
            model_name='matchedpassage',
            name='source_version',
            field=models.PositiveIntegerField(default=0, help_text="the source's version the passage was found in"),
        ),
        migrations.AddField(
            model_name='report',
            name='made_by',
            field=models.ForeignKey(blank=True, help_text='the editor who re-scored (empty: the check)', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='report',
            name='original',
            field=models.ForeignKey(blank=True, help_text="set on an editor's re-score: the check's own report, which is kept", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='rescores', to='plagiarism.report'),
        ),
        migrations.AddField(
            model_name='report',
            name='excluded_words',
            field=models.PositiveIntegerField(
                default=0, help_text='words not counted: quotations, block quotations, references'
            ),
        ),
        migrations.AddField(
            model_name='report',
            name='own_score',
            field=models.FloatField(blank=True, help_text="share credited to the author's own earlier papers", null=True),
        ),
        migrations.AddField(
            model_name='report',
            name='reason',
            field=models.TextField(blank=True, help_text="the editor's reason for the re-score"),
        ),
        migrations.AddField(
            model_name='report',
            name='settings',
            field=models.JSONField(blank=True, default=dict, help_text='how it was scored: the exclusions on or off, the sources left out'),
        ),
        migrations.AddField(
            model_name='report',
            name='versions_score',
            field=models.FloatField(blank=True, help_text='share credited to earlier versions of this paper', null=True),
        ),
        migrations.AddField(
            model_name='reportsource',
            name='evidence',
            field=models.JSONField(blank=True, default=dict, help_text='the signals behind the verdict, and which drove it'),
        ),
        migrations.AddField(
            model_name='reportsource',
            name='kind',
            field=models.CharField(choices=[('submission', 'another submission'), ('published', 'published work'), ('own', 'your earlier paper'), ('version', 'an earlier version')], default=plagiarism.engine.SourceKind['OTHER'], max_length=10),
        ),
        migrations.AddField(
            model_name='reportsource',
            name='share',
            field=models.FloatField(default=0.0, help_text="share of the paper's words credited to it"),
        ),
        migrations.AddField(
            model_name='reportsource',
            name='source_version',
            field=models.PositiveIntegerField(default=0, help_text="the source's version most of its words were found in"),
        ),
        migrations.AddField(
            model_name='reportsource',
            name='verdict',
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AlterField(
            model_name='reportsource',
            name='primary_words',
            field=models.PositiveIntegerField(help_text='words credited to it'),
        ),
        migrations.AddConstraint(
            model_name='report',
            constraint=models.UniqueConstraint(condition=models.Q(('original__isnull', True)), fields=('submission_id', 'paper_version', 'algorithm_version'), name='one_report_per_paper_version'),
        ),
    ]
